#include "server/trunk_link.hpp"

#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "core/log.hpp"

namespace umbrella::server {

namespace {

constexpr const char* kLog = "trunk";

std::string connect_error_text(const std::string& peer, int e) {
  if (e == ECONNREFUSED) return "connect " + peer + " refused";
  if (e == ETIMEDOUT) return "connect " + peer + " timed out";
  if (e == ENETUNREACH || e == EHOSTUNREACH) return "connect " + peer + ": no route (" + std::strerror(e) + ")";
  return "connect " + peer + ": " + std::strerror(e);
}

std::string seconds_text(Duration d) { return std::to_string(std::chrono::duration_cast<seconds>(d).count()) + " s"; }

}  // namespace

TrunkLink::TrunkLink(EventLoop& loop, Options options, Listener& listener)
    : loop_(loop), options_(std::move(options)), listener_(listener) {}

TrunkLink::~TrunkLink() {
  teardown();
  if (retry_timer_) loop_.cancel(retry_timer_);
}

void TrunkLink::start() {
  if (state_ == State::kConnecting || state_ == State::kConnected) return;
  if (retry_timer_) loop_.cancel(retry_timer_);
  retry_timer_ = 0;
  attempt();
}

Result<bool, std::string> TrunkLink::prepare_tls() {
  if (!target_->tls || tls_config_) return true;
  auto config = options_.insecure           ? tls::TlsClientConfig::insecure()
                : !options_.pin.empty()     ? tls::TlsClientConfig::with_pinned_fingerprint(options_.pin)
                : !options_.ca_file.empty() ? tls::TlsClientConfig::with_ca_file(options_.ca_file)
                                            : tls::TlsClientConfig::with_system_ca();
  if (!config) return Err{config.error()};
  tls_config_.emplace(std::move(*config));
  return true;
}

void TrunkLink::attempt() {
  ++attempts_;
  state_ = State::kConnecting;
  ++io_depth_;  // failures below are reported after this function's setup is done
  do {
    if (!target_) {
      auto parsed = parse_trunk_url(options_.url);
      if (!parsed) {
        fail(parsed.error());
        break;
      }
      target_ = std::move(*parsed);
    }
    if (auto ok = prepare_tls(); !ok) {
      fail("TLS setup: " + ok.error());
      break;
    }
    if (auto ip = SocketAddress::parse_ip(target_->host)) {
      connect_to(*ip);
      break;
    }
    // Names resolve on the loop (hosts, mDNS or DNS); the connect timeout starts after.
    lookup_ = std::make_unique<NameLookup>(loop_, target_->host, [this](Result<NameLookup::Addresses, std::string> r) {
      ++io_depth_;
      if (r)
        connect_to(r->front());
      else
        fail(std::move(r.error()));
      after_io();
    });
  } while (false);
  after_io();
}

void TrunkLink::connect_to(SocketAddress addr) {
  addr.set_port(target_->port);
  peer_ = addr.to_string();
  fd_ = socket(addr.is_ipv6() ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    fail(std::string("cannot create TCP socket: ") + std::strerror(errno));
    return;
  }
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  sockaddr_storage ss;
  socklen_t len = addr.to_sockaddr(ss);
  int rc = ::connect(fd_, reinterpret_cast<sockaddr*>(&ss), len);
  if (rc != 0 && errno != EINPROGRESS) {
    fail(connect_error_text(peer_, errno));
    return;
  }
  loop_.watch(fd_, EPOLLOUT | EPOLLIN | EPOLLRDHUP, [this](uint32_t ev) { on_io(ev); });
  want_write_ = true;
  connect_timer_ = loop_.schedule(loop_.now() + kConnectTimeout, [this] {
    connect_timer_ = 0;
    ++io_depth_;
    const char* what = !tcp_connected_                          ? "connect "
                       : tls_ && !tls_->handshake_complete() ? "TLS handshake with "
                                                             : "WebSocket handshake with ";
    fail(what + peer_ + " timed out after " + seconds_text(kConnectTimeout));
    after_io();
  });
}

void TrunkLink::on_io(uint32_t events) {
  ++io_depth_;
  if (!tcp_connected_) {
    if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) on_connected();
  } else {
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) on_readable();
    if (!pending_failure_ && fd_ >= 0) pump();
  }
  after_io();
}

void TrunkLink::on_connected() {
  int err = 0;
  socklen_t len = sizeof(err);
  if (getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  if (err != 0) {
    fail(connect_error_text(peer_, err));
    return;
  }
  tcp_connected_ = true;
  if (target_->tls) {
    if (options_.insecure)
      LOG_WARN(kLog, "trunk ", options_.url, ": certificate verification disabled (UMBRELLA_TRUNK_INSECURE)");
    tls_.emplace(tls::TlsSession::client(*tls_config_, target_->host));
    if (tls_->failed()) {
      fail(tls_->error());
      return;
    }
  }
  ws_ = std::make_unique<ws::Client>(trunk_host_header(*target_), target_->path, ws_events_, ws::SessionConfig{},
                                     loop_.now());
  LOG_DEBUG(kLog, "trunk ", options_.url, ": TCP connected to ", peer_);
  pump();
}

void TrunkLink::on_readable() {
  Instant now = loop_.now();
  uint8_t buf[16 * 1024];
  bool eof = false;
  for (int i = 0; i < 16 && !pending_failure_; ++i) {
    ssize_t n = read(fd_, buf, sizeof(buf));
    if (n > 0) {
      Bytes data(buf, size_t(n));
      if (tls_) {
        tls_->feed(data);
        std::string plain;
        auto r = tls_->read_all(plain);
        if (!r || tls_->failed()) {
          std::string alert = tls_->take_output();
          if (!alert.empty()) (void)!::send(fd_, alert.data(), alert.size(), MSG_NOSIGNAL);
          fail(tls_->error());
          return;
        }
        if (!plain.empty()) ws_->on_bytes(as_bytes(plain), now);
        if (tls_->peer_closed()) eof = true;
      } else {
        ws_->on_bytes(data, now);
      }
      if (size_t(n) < sizeof(buf)) break;
    } else if (n == 0) {
      eof = true;
      break;
    } else {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        fail("connection to " + peer_ + " lost: " + std::strerror(errno));
        return;
      }
      break;
    }
  }
  if (pending_failure_) return;
  if (!ws_->session() && !ws_->error().empty()) {
    const std::string& e = ws_->error();
    fail(e.rfind("status ", 0) == 0 ? "WebSocket handshake refused: HTTP " + e.substr(7)
                                    : "WebSocket handshake failed: " + e);
    return;
  }
  if (eof) {
    // Our reason first: the session reports a bare 1006 for a vanished transport.
    if (opened_)
      fail("connection closed by " + peer_);
    else
      fail("connection closed during handshake by " + peer_ +
           (target_->tls ? "" : " (does it want wss:// rather than ws://?)"));
    ws_->on_transport_closed();
  }
}

void TrunkLink::on_ws_timer() {
  ws_timer_ = 0;
  if (!ws_) return;
  ++io_depth_;
  ws_->on_timeout(loop_.now());
  if (!pending_failure_) {
    if (!ws_->session() && !ws_->error().empty())
      fail("WebSocket handshake failed: " + ws_->error());
    else
      pump();
  }
  after_io();
}

void TrunkLink::pump() {
  if (fd_ < 0 || !ws_) return;
  std::string out = ws_->take_output();
  if (!out.empty()) {
    if (tls_)
      (void)tls_->write(as_bytes(out));
    else
      pending_ += out;
  }
  if (tls_) pending_ += tls_->take_output();
  while (!pending_.empty()) {
    ssize_t n = ::send(fd_, pending_.data(), pending_.size(), MSG_NOSIGNAL);
    if (n > 0) {
      pending_.erase(0, size_t(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n < 0 && errno == EINTR) continue;
    fail("connection to " + peer_ + " lost: " + std::strerror(errno));
    return;
  }
  if (pending_.size() > kMaxPendingBytes) {
    fail("peer " + peer_ + " is not reading (" + std::to_string(pending_.size()) + " bytes unsent)");
    return;
  }
  bool want_write = !pending_.empty();
  if (want_write != want_write_) {
    loop_.set_events(fd_, uint32_t(EPOLLIN | EPOLLRDHUP) | (want_write ? uint32_t(EPOLLOUT) : 0u));
    want_write_ = want_write;
  }
  if (ws_->should_close() && pending_.empty() && ws_->session()) {
    fail("WebSocket closed");  // normally on_close already said why
    return;
  }
  loop_.reschedule(ws_timer_, ws_->next_deadline(), [this] { on_ws_timer(); });
}

void TrunkLink::WsEvents::on_open(ws::Session&) {
  TrunkLink& l = link;
  if (l.connect_timer_) l.loop_.cancel(l.connect_timer_);
  l.connect_timer_ = 0;
  l.state_ = State::kConnected;
  l.opened_ = true;
  l.opened_at_ = l.loop_.now();
  LOG_INFO(kLog, "trunk ", l.options_.url, ": connected to ", l.peer_);
  l.listener_.on_trunk_open(l);
}

void TrunkLink::WsEvents::on_message(ws::Session&, ws::MessageType type, Bytes payload) {
  if (type != ws::MessageType::kBinary || link.pending_failure_) return;  // the protocol is binary only
  link.listener_.on_trunk_message(link, payload);
}

void TrunkLink::WsEvents::on_close(ws::Session&, uint16_t code, std::string_view reason) {
  std::string why = code == ws::close_code::kAbnormal ? "WebSocket to " + link.peer_ + " lost: no answer to keepalive pings"
                                                      : "WebSocket closed by peer (" + std::to_string(code) +
                                                            (reason.empty() ? "" : " " + std::string(reason)) + ")";
  link.fail(std::move(why));
}

bool TrunkLink::send(Bytes frame) {
  if (state_ != State::kConnected || pending_failure_ || !ws_ || !ws_->session()) return false;
  if (!ws_->session()->send_binary(frame)) return false;
  ++io_depth_;
  pump();
  after_io();
  return true;
}

void TrunkLink::close_and_retry(const std::string& reason) {
  if (state_ == State::kIdle || state_ == State::kRetrying) return;
  ++io_depth_;
  if (ws_ && ws_->session() && !pending_failure_) {
    ws_->session()->close(ws::close_code::kNormal, reason, loop_.now());
    pump();  // best effort: the Close frame goes out now or not at all
  }
  fail(reason);
  after_io();
}

void TrunkLink::fail(std::string reason) {
  if (!pending_failure_) pending_failure_ = std::move(reason);  // the first reason is the cause
}

void TrunkLink::after_io() {
  if (--io_depth_ > 0 || !pending_failure_) return;
  finish_failure();
}

void TrunkLink::finish_failure() {
  std::string reason = std::move(*pending_failure_);
  pending_failure_.reset();
  bool was_open = opened_;
  if (was_open && loop_.now() - opened_at_ >= kStableAfter) backoff_ = kFirstBackoff;
  teardown();
  last_error_ = reason;
  state_ = State::kRetrying;
  Duration delay = backoff_;
  backoff_ = std::min<Duration>(backoff_ * 2, kMaxBackoff);
  LOG_WARN(kLog, "trunk ", options_.url, ": ", reason, "; retrying in ", seconds_text(delay));
  loop_.reschedule(retry_timer_, loop_.now() + delay, [this] {
    retry_timer_ = 0;
    attempt();
  });
  if (was_open) listener_.on_trunk_closed(*this, reason);
}

void TrunkLink::teardown() {
  lookup_.reset();
  if (connect_timer_) loop_.cancel(connect_timer_);
  if (ws_timer_) loop_.cancel(ws_timer_);
  connect_timer_ = ws_timer_ = 0;
  if (fd_ >= 0) {
    loop_.unwatch(fd_);
    close(fd_);
    fd_ = -1;
  }
  ws_.reset();
  tls_.reset();
  pending_.clear();
  tcp_connected_ = false;
  want_write_ = false;
  opened_ = false;
}

}  // namespace umbrella::server
