#include "connection.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace umbrella::loadgen {

Result<Connection, std::string> Connection::open(const ServerUrl& url, const tls::TlsClientConfig* tls,
                                                 int timeout_ms) {
  if (url.tls && !tls) return Err{std::string("https:// needs a TLS configuration")};
  Connection c;
  c.fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (c.fd_ < 0) return Err{std::string("socket: ") + std::strerror(errno)};
  sockaddr_storage ss{};
  socklen_t len = url.address.to_sockaddr(ss);
  if (::connect(c.fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    if (errno != EINPROGRESS) return Err{"connect to " + url.address.to_string() + ": " + std::strerror(errno)};
    pollfd p{c.fd_, POLLOUT, 0};
    if (::poll(&p, 1, timeout_ms) != 1) return Err{"connect to " + url.address.to_string() + ": timeout"};
    int err = 0;
    socklen_t el = sizeof err;
    ::getsockopt(c.fd_, SOL_SOCKET, SO_ERROR, &err, &el);
    if (err != 0) return Err{"connect to " + url.address.to_string() + ": " + std::strerror(err)};
  }
  int one = 1;
  ::setsockopt(c.fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (url.tls) {
    c.tls_.emplace(tls::TlsSession::client(*tls, url.host));
    c.pending_ = c.tls_->take_output();  // ClientHello
    if (auto r = c.flush(); !r) return Err{r.error()};
  }
  return c;
}

Connection::Connection(Connection&& o) noexcept
    : fd_(std::exchange(o.fd_, -1)), tls_(std::move(o.tls_)), pending_(std::move(o.pending_)) {}

Connection& Connection::operator=(Connection&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(o.fd_, -1);
    tls_ = std::move(o.tls_);
    pending_ = std::move(o.pending_);
  }
  return *this;
}

Connection::~Connection() {
  if (fd_ >= 0) ::close(fd_);
}

Result<bool, std::string> Connection::write(std::string_view plain) {
  if (tls_) {
    if (auto r = tls_->write(plain); !r) return Err{"TLS: " + r.error()};
    pending_ += tls_->take_output();
  } else {
    pending_ += plain;
  }
  return flush();
}

Result<bool, std::string> Connection::flush() {
  while (!pending_.empty()) {
    ssize_t n = ::send(fd_, pending_.data(), pending_.size(), MSG_NOSIGNAL);
    if (n > 0) {
      pending_.erase(0, size_t(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      break;
    } else {
      return Err{std::string("send: ") + std::strerror(errno)};
    }
  }
  return true;
}

Result<bool, std::string> Connection::read(std::string& out, bool& eof) {
  eof = false;
  char buf[16 * 1024];
  for (;;) {
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n < 0) return Err{std::string("recv: ") + std::strerror(errno)};
    if (n == 0) {
      eof = true;
      break;
    }
    if (!tls_) {
      out.append(buf, size_t(n));
      continue;
    }
    tls_->feed(Bytes(reinterpret_cast<const uint8_t*>(buf), size_t(n)));
    auto r = tls_->read_all(out);
    pending_ += tls_->take_output();  // handshake messages, or an alert
    if (!r || tls_->failed()) {
      (void)flush();
      return Err{"TLS: " + tls_->error()};
    }
    if (tls_->peer_closed()) eof = true;
  }
  if (auto r = flush(); !r) return r;
  return true;
}

}  // namespace umbrella::loadgen
