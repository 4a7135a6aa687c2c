#include "stream/tcp_listener.hpp"

#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace umbrella::stream {

TcpListener::~TcpListener() {
  if (fd_ >= 0) close(fd_);
}
TcpListener::TcpListener(TcpListener&& o) noexcept : fd_(std::exchange(o.fd_, -1)), port_(o.port_) {}
TcpListener& TcpListener::operator=(TcpListener&& o) noexcept {
  std::swap(fd_, o.fd_);
  std::swap(port_, o.port_);
  return *this;
}

Result<TcpListener, std::string> TcpListener::listen(const std::string& host, uint16_t port, const char* what) {
  SocketAddress addr;
  bool any = host.empty();
  if (any) {
    addr = *SocketAddress::parse_ip("::");
  } else {
    auto a = SocketAddress::parse_ip(host);
    if (!a) return Err{std::string(what) + ": '" + host + "' is not an IP address"};
    addr = *a;
  }
  addr.set_port(port);
  int fd = socket(addr.is_ipv6() ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0 && any) {  // no IPv6 in this kernel: fall back to IPv4 any
    addr = *SocketAddress::parse_ip("0.0.0.0");
    addr.set_port(port);
    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  }
  if (fd < 0) return Err{std::string("cannot create TCP socket: ") + std::strerror(errno)};
  int one = 1, zero = 0;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (addr.is_ipv6()) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));  // dual stack
  sockaddr_storage ss;
  socklen_t len = addr.to_sockaddr(ss);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(fd, 128) != 0) {
    int e = errno;
    close(fd);
    std::string where = (host.empty() ? std::string("*") : host) + ":" + std::to_string(port);
    if (e == EADDRINUSE)
      return Err{"cannot listen on " + where + ": port already in use (another umbrella running?); choose another with " +
                 what + ", e.g. :9000"};
    if (e == EACCES)
      return Err{"cannot listen on " + where + ": permission denied (ports below 1024 need root); choose another with " +
                 what};
    return Err{"cannot listen on " + where + ": " + std::strerror(e) + " (set " + what + ")"};
  }
  TcpListener l;
  l.fd_ = fd;
  sockaddr_storage bound;
  socklen_t bound_len = sizeof(bound);
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &bound_len);
  auto b = SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&bound), bound_len);
  l.port_ = b ? b->port() : port;
  return l;
}

int TcpListener::accept(SocketAddress& peer) {
  sockaddr_storage ss;
  socklen_t len = sizeof(ss);
  int fd = accept4(fd_, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return -1;
  auto a = SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len);
  peer = a ? *a : SocketAddress();
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

}  // namespace umbrella::stream
