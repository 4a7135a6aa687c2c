#include "http_post.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <strings.h>

namespace umbrella::loadgen {
namespace {

struct Fd {
  int fd;
  ~Fd() { if (fd >= 0) ::close(fd); }
};

bool wait_fd(int fd, short events, int timeout_ms) {
  pollfd p{fd, events, 0};
  return ::poll(&p, 1, timeout_ms) == 1;
}

// Case-insensitive header lookup in the head (status line + headers).
std::string header(const std::string& head, const char* name) {
  size_t n = std::strlen(name);
  size_t pos = head.find("\r\n");
  while (pos != std::string::npos && pos + 2 < head.size()) {
    size_t start = pos + 2;
    size_t end = head.find("\r\n", start);
    std::string line = head.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (line.size() > n && line[n] == ':' && ::strncasecmp(line.c_str(), name, n) == 0) {
      size_t v = n + 1;
      while (v < line.size() && line[v] == ' ') ++v;
      return line.substr(v);
    }
    pos = end;
  }
  return {};
}

}  // namespace

Result<HttpResponse, std::string> http_post(const std::string& host, uint16_t port, const std::string& path,
                                            const std::string& content_type, const std::string& body,
                                            int timeout_ms) {
  Fd s{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (s.fd < 0) return Err{std::string("socket: ") + std::strerror(errno)};
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  if (::inet_pton(AF_INET, host.c_str(), &a.sin_addr) != 1) return Err{"bad host " + host};
  if (::connect(s.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
    return Err{std::string("connect: ") + std::strerror(errno)};
  int one = 1;
  ::setsockopt(s.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  std::string req = "POST " + path + " HTTP/1.1\r\nHost: " + host + ":" + std::to_string(port) +
                    "\r\nContent-Type: " + content_type + "\r\nContent-Length: " + std::to_string(body.size()) +
                    "\r\nConnection: close\r\n\r\n" + body;
  for (size_t off = 0; off < req.size();) {
    ssize_t n = ::send(s.fd, req.data() + off, req.size() - off, MSG_NOSIGNAL);
    if (n < 0) return Err{std::string("send: ") + std::strerror(errno)};
    off += size_t(n);
  }
  std::string in;
  char buf[8192];
  size_t head_end = std::string::npos;
  size_t want = std::string::npos;
  for (;;) {
    if (head_end != std::string::npos && want != std::string::npos && in.size() >= head_end + 4 + want) break;
    if (!wait_fd(s.fd, POLLIN, timeout_ms)) return Err{"timeout waiting for the response"};
    ssize_t n = ::recv(s.fd, buf, sizeof buf, 0);
    if (n < 0) return Err{std::string("recv: ") + std::strerror(errno)};
    if (n == 0) break;
    in.append(buf, size_t(n));
    if (head_end == std::string::npos && (head_end = in.find("\r\n\r\n")) != std::string::npos) {
      std::string len = header(in.substr(0, head_end), "Content-Length");
      if (!len.empty()) want = std::strtoul(len.c_str(), nullptr, 10);
    }
  }
  if (head_end == std::string::npos) return Err{"no complete response head"};
  HttpResponse r;
  std::string head = in.substr(0, head_end);
  if (head.size() < 12 || head.compare(0, 5, "HTTP/") != 0) return Err{"bad status line"};
  r.status = std::atoi(head.c_str() + 9);
  r.location = header(head, "Location");
  r.body = in.substr(head_end + 4, want == std::string::npos ? std::string::npos : want);
  return r;
}

}  // namespace umbrella::loadgen
