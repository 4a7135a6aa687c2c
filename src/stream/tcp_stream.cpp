#include "stream/tcp_stream.hpp"

#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace umbrella::stream {

namespace {
constexpr size_t kReadChunk = 16 * 1024;
constexpr int kReadsPerEvent = 16;  // bounded: a fast sender cannot monopolise the loop
constexpr size_t kMaxIovecs = 16;
constexpr int kMaxOffers = 1024;    // held input offered per event (each offer uses some)
}  // namespace

// Brackets the loop's call into the stream: the owner may delete the stream inside a
// callback, which the expired token tells.
struct TcpStream::CallbackScope {
  explicit CallbackScope(TcpStream& s) : stream(s), token(s.alive_) { ++s.in_callback_; }
  ~CallbackScope() {
    if (!gone()) --stream.in_callback_;
  }
  bool gone() const { return token.expired(); }
  TcpStream& stream;
  std::weak_ptr<const char> token;
};

TcpStream::TcpStream(EventLoop& loop, Owner& owner, SocketAddress peer, std::optional<tls::TlsSession> tls,
                     Limits limits)
    : loop_(loop), owner_(owner), peer_(peer), tls_(std::move(tls)), limits_(limits), alive_(std::make_shared<char>()) {}

TcpStream::TcpStream(EventLoop& loop, Owner& owner, int fd, SocketAddress peer, std::optional<tls::TlsSession> tls,
                     Limits limits)
    : TcpStream(loop, owner, peer, std::move(tls), limits) {
  fd_ = fd;
  watch();
}

Result<std::unique_ptr<TcpStream>, int> TcpStream::connect(EventLoop& loop, Owner& owner, SocketAddress peer,
                                                           std::optional<tls::TlsSession> tls, Limits limits) {
  int fd = ::socket(peer.is_ipv6() ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Err{errno};
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  sockaddr_storage ss;
  socklen_t len = peer.to_sockaddr(ss);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 && errno != EINPROGRESS) {
    int e = errno;
    ::close(fd);
    return Err{e};
  }
  std::unique_ptr<TcpStream> s(new TcpStream(loop, owner, peer, std::move(tls), limits));
  s->fd_ = fd;
  s->connecting_ = true;  // even when connect() finished at once: EPOLLOUT reports it
  s->watch();
  return s;
}

TcpStream::~TcpStream() {
  if (stall_timer_) loop_.cancel(stall_timer_);
  if (fd_ >= 0) {
    loop_.unwatch(fd_);
    ::close(fd_);
  }
}

void TcpStream::watch() {
  events_ = connecting_ ? uint32_t(EPOLLOUT) : uint32_t(EPOLLIN | EPOLLRDHUP);
  if (!loop_.watch(fd_, events_, [this](uint32_t ev) { on_io(ev); })) shut(End::kLost, errno);
}

void TcpStream::write(Bytes plaintext) {
  if (end_ != End::kOpen || pending_end_ != End::kOpen || plaintext.empty()) return;
  if (output_.size() > limits_.max_output) {
    pending_end_ = End::kOverflow;
    return;
  }
  if (output_.empty()) last_progress_ = loop_.now();
  if (!tls_) {
    output_.append(plaintext);
    return;
  }
  if (auto r = tls_->write(plaintext); !r) {
    tls_error_ = r.error();
    pending_end_ = End::kTlsFailed;
    return;
  }
  queue_tls_output();
}

void TcpStream::write(std::string&& plaintext) {
  if (tls_ || plaintext.empty()) return write(as_bytes(plaintext));
  if (end_ != End::kOpen || pending_end_ != End::kOpen) return;
  if (output_.size() > limits_.max_output) {
    pending_end_ = End::kOverflow;
    return;
  }
  if (output_.empty()) last_progress_ = loop_.now();
  output_.append(std::move(plaintext));
}

bool TcpStream::flush() {
  if (end_ != End::kOpen) return false;
  if (in_callback_) return pending_end_ == End::kOpen;  // settle() follows the callback
  if (pending_end_ != End::kOpen) {
    shut(pending_end_);
    return false;
  }
  if (!send_output()) return false;
  if (closing_ && output_.empty() && !connecting_) {
    shut(End::kDone);
    return false;
  }
  update_interest();
  arm_stall_timer();
  return true;
}

void TcpStream::close_when_sent() { closing_ = true; }

void TcpStream::on_io(uint32_t events) {
  CallbackScope scope(*this);
  if (connecting_) {
    if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) on_connect_done(scope);
    if (!scope.gone() && end_ == End::kOpen && !connecting_) settle(scope);
    return;
  }
  if (events & EPOLLERR) {
    int err = 0;
    socklen_t len = sizeof(err);
    if (getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    if (err != 0) return end_and_report(End::kLost, err, scope);
  }
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) {
    if (events_ & EPOLLIN) {
      if (!read_input(scope)) return;
    } else if ((events & EPOLLHUP) && output_.empty()) {
      // Hung up both ways while we were not reading: nothing can be sent or received.
      return end_and_report(End::kLost, 0, scope);
    }
  }
  settle(scope);
}

void TcpStream::on_connect_done(const CallbackScope& scope) {
  int err = 0;
  socklen_t len = sizeof(err);
  if (getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  if (err != 0) return end_and_report(End::kConnectFailed, err, scope);
  connecting_ = false;
  last_progress_ = loop_.now();
  owner_.on_stream_connected(*this);
}

bool TcpStream::read_input(const CallbackScope& scope) {
  uint8_t buf[kReadChunk];
  std::string plain;
  for (int i = 0; i < kReadsPerEvent; ++i) {
    update_pause();
    if (eof_ || paused_ || held_used_ < held_.size() || pending_end_ != End::kOpen) break;
    ssize_t n = ::read(fd_, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      end_and_report(End::kLost, errno, scope);
      return false;
    }
    if (n == 0) {
      eof_ = true;
      break;
    }
    Bytes data(buf, size_t(n));
    if (tls_) {
      tls_->feed(data);
      plain.clear();
      auto r = tls_->read_all(plain);
      if (!r || tls_->failed()) {
        tls_error_ = tls_->error();
        // The alert mbedTLS made, best effort: the connection ends either way.
        std::string alert = tls_->take_output();
        if (!alert.empty()) (void)!::send(fd_, alert.data(), alert.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        end_and_report(End::kTlsFailed, 0, scope);
        return false;
      }
      if (tls_->peer_closed()) eof_ = true;
      data = as_bytes(plain);
    }
    if (!data.empty()) {
      size_t used = owner_.on_stream_data(*this, data);
      if (scope.gone()) return false;
      if (used < data.size()) {
        held_.assign(reinterpret_cast<const char*>(data.data()) + used, data.size() - used);
        held_used_ = 0;
        stuck_ = false;
      }
    }
    if (size_t(n) < sizeof(buf)) break;
  }
  return true;
}

void TcpStream::settle(const CallbackScope& scope) {
  for (int offers = 0;; ++offers) {
    if (pending_end_ != End::kOpen) return end_and_report(pending_end_, 0, scope);
    if (!send_output()) {
      owner_.on_stream_closed(*this);
      return;
    }
    if (closing_ && output_.empty()) return end_and_report(End::kDone, 0, scope);
    update_pause();
    bool held = held_used_ < held_.size();
    if (held && !paused_ && output_.size() < limits_.low_water && offers < kMaxOffers) {
      // Input left while output was high: the owner may use it now.
      size_t used = owner_.on_stream_data(*this, as_bytes(std::string_view(held_).substr(held_used_)));
      if (scope.gone()) return;
      held_used_ += used;
      stuck_ = used == 0;
      if (held_used_ >= held_.size()) {
        std::string().swap(held_);
        held_used_ = 0;
      }
      if (!stuck_) continue;
    } else if (!held && eof_ && !eof_reported_) {
      eof_reported_ = true;  // after the input before it was used
      owner_.on_stream_eof(*this);
      if (scope.gone()) return;
      continue;
    }
    break;
  }
  update_interest();
  arm_stall_timer();
}

bool TcpStream::send_output() {
  if (connecting_ || fd_ < 0) return true;
  queue_tls_output();
  while (!output_.empty()) {
    iovec iov[kMaxIovecs];
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = output_.gather(iov, kMaxIovecs);
    ssize_t n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);
    if (n > 0) {
      output_.consume(size_t(n));
      last_progress_ = loop_.now();
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    shut(End::kLost, n < 0 ? errno : EPIPE);
    return false;
  }
  return true;
}

void TcpStream::queue_tls_output() {
  if (tls_ && tls_->has_output()) output_.append(tls_->take_output());
}

void TcpStream::update_pause() {
  if (output_.size() >= limits_.high_water)
    paused_ = true;
  else if (output_.size() < limits_.low_water)
    paused_ = false;
}

void TcpStream::update_interest() {
  if (fd_ < 0) return;
  update_pause();
  bool held = held_used_ < held_.size();
  bool want_in = !connecting_ && !eof_ && !held && !paused_;
  // Held input the owner can use now (output drained by a flush) needs an event to be
  // offered again: the socket's writability is one.
  bool want_out = connecting_ || !output_.empty() || (held && !paused_ && !stuck_);
  uint32_t events = (want_in ? uint32_t(EPOLLIN | EPOLLRDHUP) : 0u) | (want_out ? uint32_t(EPOLLOUT) : 0u);
  if (events != events_ && loop_.set_events(fd_, events)) events_ = events;
}

void TcpStream::arm_stall_timer() {
  if (output_.empty() || connecting_ || stall_timer_ || fd_ < 0) return;
  stall_timer_ = loop_.schedule(last_progress_ + limits_.stall_timeout, [this] { on_stall_timer(); });
}

void TcpStream::on_stall_timer() {
  stall_timer_ = 0;
  if (output_.empty()) return;
  if (loop_.now() - last_progress_ < limits_.stall_timeout) return arm_stall_timer();
  CallbackScope scope(*this);
  end_and_report(End::kStalled, 0, scope);
}

void TcpStream::shut(End why, int sys_error) {
  if (end_ != End::kOpen) return;
  end_ = why;
  sys_error_ = sys_error;
  unsent_at_end_ = output_.size();
  if (stall_timer_) loop_.cancel(stall_timer_);
  stall_timer_ = 0;
  if (fd_ >= 0) {
    loop_.unwatch(fd_);
    ::close(fd_);
    fd_ = -1;
  }
  output_.clear();
  std::string().swap(held_);
  held_used_ = 0;
}

void TcpStream::end_and_report(End why, int sys_error, const CallbackScope& scope) {
  (void)scope;  // proof the caller runs from the loop, where reporting is allowed
  shut(why, sys_error);
  owner_.on_stream_closed(*this);
}

bool TcpStream::reading() const { return (events_ & EPOLLIN) != 0; }

std::string TcpStream::describe() const {
  switch (end_) {
    case End::kOpen: return "open";
    case End::kDone: return "closed after sending";
    case End::kConnectFailed: return std::strerror(sys_error_);
    case End::kLost: return sys_error_ ? std::strerror(sys_error_) : "connection closed by peer";
    case End::kTlsFailed: return tls_error_;
    case End::kStalled:
      return "peer took nothing for " + std::to_string(to_millis(limits_.stall_timeout) / 1000) + " s (" +
             std::to_string(unsent_at_end_) + " bytes unsent)";
    case End::kOverflow:
      return "peer is not reading (" + std::to_string(unsent_at_end_) + " bytes unsent)";
  }
  return "?";
}

}  // namespace umbrella::stream
