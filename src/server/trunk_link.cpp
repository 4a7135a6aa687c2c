#include "server/trunk_link.hpp"

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
      if (r)  // the address that last connected, or the next after one that did not
        connect_to((*r)[address_index_ % r->size()]);
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
  std::optional<tls::TlsSession> tls;
  if (target_->tls) {
    tls.emplace(tls::TlsSession::client(*tls_config_, target_->host));  // ClientHello waits for the connect
    if (tls->failed()) {
      fail(tls->error());
      return;
    }
  }
  stream::TcpStream::Limits limits;
  limits.max_output = kMaxPendingBytes;
  auto stream = stream::TcpStream::connect(loop_, stream_events_, addr, std::move(tls), limits);
  if (!stream) {
    ++address_index_;  // e.g. no route to this family: the next attempt takes the name's next address
    fail(connect_error_text(peer_, stream.error()));
    return;
  }
  stream_ = std::move(*stream);
  connect_timer_ = loop_.schedule(loop_.now() + kConnectTimeout, [this] {
    connect_timer_ = 0;
    ++io_depth_;
    const char* what = !stream_ || stream_->connecting()                           ? "connect "
                       : stream_->tls() && !stream_->tls()->handshake_complete() ? "TLS handshake with "
                                                                                 : "WebSocket handshake with ";
    if (!stream_ || stream_->connecting()) ++address_index_;
    fail(what + peer_ + " timed out after " + seconds_text(kConnectTimeout));
    after_io();
  });
}

void TrunkLink::StreamEvents::on_stream_connected(stream::TcpStream&) {
  ++link.io_depth_;
  link.on_connected();
  link.after_io();
}

size_t TrunkLink::StreamEvents::on_stream_data(stream::TcpStream&, Bytes data) {
  TrunkLink& l = link;
  ++l.io_depth_;
  if (!l.pending_failure_) l.ws_->on_bytes(data, l.loop_.now());
  if (!l.pending_failure_ && !l.ws_->session() && !l.ws_->error().empty()) {
    const std::string& e = l.ws_->error();
    l.fail(e.rfind("status ", 0) == 0 ? "WebSocket handshake refused: HTTP " + e.substr(7)
                                      : "WebSocket handshake failed: " + e);
  }
  if (!l.pending_failure_) l.pump();
  l.after_io();  // may delete the stream: allowed here
  return data.size();
}

void TrunkLink::StreamEvents::on_stream_eof(stream::TcpStream&) {
  TrunkLink& l = link;
  ++l.io_depth_;
  if (!l.pending_failure_) {
    // Our reason first: the session reports a bare 1006 for a vanished transport.
    if (l.opened_)
      l.fail("connection closed by " + l.peer_);
    else
      l.fail("connection closed during handshake by " + l.peer_ +
             (l.target_->tls ? "" : " (does it want wss:// rather than ws://?)"));
    l.ws_->on_transport_closed();
  }
  l.after_io();
}

void TrunkLink::StreamEvents::on_stream_closed(stream::TcpStream& stream) {
  ++link.io_depth_;
  link.fail(link.stream_failure(stream));
  link.after_io();
}

std::string TrunkLink::stream_failure(const stream::TcpStream& stream) {
  switch (stream.end()) {
    case stream::TcpStream::End::kConnectFailed:
      ++address_index_;
      return connect_error_text(peer_, stream.sys_error());
    case stream::TcpStream::End::kTlsFailed: return stream.describe();
    case stream::TcpStream::End::kDone: return "WebSocket closed";  // normally on_close already said why
    case stream::TcpStream::End::kLost:
      return stream.sys_error() ? "connection to " + peer_ + " lost: " + stream.describe()
                                : "connection closed by " + peer_;
    default: return "connection to " + peer_ + " closed: " + stream.describe();
  }
}

void TrunkLink::on_connected() {
  if (target_->tls && options_.insecure)
    LOG_WARN(kLog, "trunk ", options_.url, ": certificate verification disabled (UMBRELLA_TRUNK_INSECURE)");
  ws_ = std::make_unique<ws::Client>(trunk_host_header(*target_), target_->path, ws_events_, ws::SessionConfig{},
                                     loop_.now());
  LOG_DEBUG(kLog, "trunk ", options_.url, ": TCP connected to ", peer_);
  pump();
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
  if (!stream_ || !ws_) return;
  std::string out = ws_->take_output();
  if (!out.empty()) stream_->write(std::move(out));
  if (ws_->should_close() && ws_->session()) stream_->close_when_sent();
  if (!stream_->flush()) {
    fail(stream_failure(*stream_));
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
  stream_.reset();
  ws_.reset();
  opened_ = false;
}

}  // namespace umbrella::server
