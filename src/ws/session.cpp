#include "ws/session.hpp"

#include <utility>

#include "ws/random.hpp"

namespace umbrella::ws {

namespace {
// Reassembly buffers above this are freed after each message rather than kept for reuse.
constexpr size_t kKeepMessageCapacity = 4 * 1024;
}  // namespace

bool is_valid_close_code(uint16_t code) {
  if (code >= 3000 && code <= 4999) return true;  // registered / private use
  if (code < 1000 || code > 1014) return false;
  return code != 1004 && code != 1005 && code != 1006;
}

Session::Session(Role role, Listener* listener, SessionConfig config, Instant now)
    : role_(role), listener_(listener), config_(std::move(config)), last_rx_(now) {}

void Session::on_bytes(Bytes data, Instant now) {
  if (state_ == State::kClosed) return;
  // Anything from the peer proves it alive, not just a Pong.
  last_rx_ = now;
  ping_sent_ = kNever;
  while (!data.empty() && state_ != State::kClosed) {
    FrameParser::Piece piece = parser_.next(data);
    data = data.subspan(piece.consumed);
    switch (piece.kind) {
      case FrameParser::Kind::kNeedMore:
        break;
      case FrameParser::Kind::kError:
        fail(close_code::kProtocolError, piece.error);
        return;
      case FrameParser::Kind::kHeader:
        if (!on_header()) return;
        if (piece.frame_end) on_frame_end();
        break;
      case FrameParser::Kind::kPayload:
        on_payload(piece);
        if (state_ != State::kClosed && piece.frame_end) on_frame_end();
        break;
    }
  }
}

bool Session::on_header() {
  const FrameHeader& h = parser_.header();
  bool want_masked = role_ == Role::kServer;
  if (h.masked != want_masked) {
    fail(close_code::kProtocolError, want_masked ? "unmasked client frame" : "masked server frame");
    return false;
  }
  if (is_control(h.opcode)) {
    control_size_ = 0;
    return true;
  }
  if (h.opcode == Opcode::kContinuation) {
    if (!in_message_) {
      fail(close_code::kProtocolError, "continuation without a message");
      return false;
    }
  } else {
    if (in_message_) {
      fail(close_code::kProtocolError, "new message inside a fragmented one");
      return false;
    }
    in_message_ = true;
    message_type_ = h.opcode == Opcode::kText ? MessageType::kText : MessageType::kBinary;
    utf8_.reset();
  }
  if (h.payload_length > config_.max_message_bytes - message_.size()) {
    fail(close_code::kMessageTooBig, "message too big");
    return false;
  }
  // No reserve() from the declared length: memory grows only with bytes actually received.
  return true;
}

void Session::on_payload(const FrameParser::Piece& piece) {
  const FrameHeader& h = parser_.header();
  MutableBytes dst;
  if (is_control(h.opcode)) {
    // The parser capped control payloads at 125 bytes.
    std::copy(piece.data.begin(), piece.data.end(), control_.begin() + control_size_);
    dst = MutableBytes(control_.data() + control_size_, piece.data.size());
    control_size_ += piece.data.size();
  } else {
    size_t start = message_.size();
    message_.append(reinterpret_cast<const char*>(piece.data.data()), piece.data.size());
    dst = MutableBytes(reinterpret_cast<uint8_t*>(message_.data()) + start, piece.data.size());
  }
  if (h.masked) apply_mask(dst, h.mask, piece.offset);
  if (!is_control(h.opcode) && message_type_ == MessageType::kText && !utf8_.feed(dst))
    fail(close_code::kInvalidPayload, "text is not UTF-8");
}

void Session::on_frame_end() {
  const FrameHeader& h = parser_.header();
  if (is_control(h.opcode)) {
    on_control(h.opcode, Bytes(control_.data(), control_size_));
    return;
  }
  if (!h.fin) return;
  in_message_ = false;
  if (message_type_ == MessageType::kText && !utf8_.complete()) {
    fail(close_code::kInvalidPayload, "text is not UTF-8");
    return;
  }
  // After our Close, data is still parsed (to find the peer's Close) but not delivered.
  if (state_ == State::kOpen && listener_)
    listener_->on_message(*this, message_type_, as_bytes(message_));
  release_message();
}

void Session::release_message() {
  if (message_.capacity() > kKeepMessageCapacity)
    std::string().swap(message_);
  else
    message_.clear();
}

void Session::on_control(Opcode op, Bytes payload) {
  switch (op) {
    case Opcode::kPing:
      if (state_ == State::kOpen) send_frame(Opcode::kPong, payload);
      return;
    case Opcode::kPong:
      if (listener_) listener_->on_pong(*this, payload);
      return;
    case Opcode::kClose:
      break;
    default:
      return;
  }
  uint16_t code = close_code::kNoStatus;
  std::string_view reason;
  if (payload.size() == 1) return fail(close_code::kProtocolError, "close payload of one byte");
  if (payload.size() >= 2) {
    code = load_be16(payload.data());
    if (!is_valid_close_code(code)) return fail(close_code::kProtocolError, "invalid close code");
    if (!is_valid_utf8(payload.subspan(2))) return fail(close_code::kInvalidPayload, "close reason is not UTF-8");
    reason = as_string_view(payload.subspan(2));
  }
  if (state_ == State::kOpen) {
    // Echo the peer's code (an empty Close gets an empty Close).
    if (payload.size() >= 2) {
      send_close(code, {});
    } else {
      send_frame(Opcode::kClose, {});
    }
  }
  finish(code, reason);
}

void Session::send_frame(Opcode op, Bytes payload) {
  std::optional<MaskKey> mask;
  if (role_ == Role::kClient) {
    MaskKey key;
    if (config_.mask_source)
      key = config_.mask_source();
    else
      fill_random(key);
    mask = key;
  }
  encode_frame(op, payload, true, mask, out_);
}

void Session::send_close(uint16_t code, std::string_view reason) {
  std::array<uint8_t, kMaxControlPayload> buf;
  store_be16(buf.data(), code);
  // Cut the reason to fit, without splitting a UTF-8 sequence.
  size_t n = std::min(reason.size(), kMaxControlPayload - 2);
  if (n < reason.size())
    while (n > 0 && (uint8_t(reason[n]) & 0xC0) == 0x80) --n;
  std::copy(reason.begin(), reason.begin() + n, buf.begin() + 2);
  send_frame(Opcode::kClose, Bytes(buf.data(), n + 2));
}

void Session::fail(uint16_t code, const char* reason) {
  if (state_ == State::kOpen) send_close(code, reason);
  finish(code, reason);
}

void Session::finish(uint16_t code, std::string_view reason) {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  close_code_ = code;
  release_message();
  in_message_ = false;
  if (listener_) listener_->on_close(*this, code, reason);
}

bool Session::send_text(std::string_view text) {
  if (state_ != State::kOpen) return false;
  send_frame(Opcode::kText, as_bytes(text));
  return true;
}

bool Session::send_binary(Bytes data) {
  if (state_ != State::kOpen) return false;
  send_frame(Opcode::kBinary, data);
  return true;
}

bool Session::send_ping(Bytes payload) {
  if (state_ != State::kOpen || payload.size() > kMaxControlPayload) return false;
  send_frame(Opcode::kPing, payload);
  return true;
}

void Session::close(uint16_t code, std::string_view reason, Instant now) {
  if (state_ != State::kOpen) return;
  send_close(code, reason);
  state_ = State::kClosing;
  close_code_ = code;
  close_deadline_ = now + config_.close_timeout;
}

std::string Session::take_output() { return std::exchange(out_, std::string()); }

Instant Session::next_deadline() const {
  switch (state_) {
    case State::kClosed: return kNever;
    case State::kClosing: return close_deadline_;
    case State::kOpen: break;
  }
  if (config_.ping_interval <= Duration::zero()) return kNever;
  if (ping_sent_ != kNever) return ping_sent_ + config_.pong_timeout;
  return last_rx_ + config_.ping_interval;
}

void Session::on_timeout(Instant now) {
  if (state_ == State::kClosed || now < next_deadline()) return;
  if (state_ == State::kClosing) {
    finish(close_code::kAbnormal, "close handshake timed out");
  } else if (ping_sent_ != kNever) {
    finish(close_code::kAbnormal, "keepalive timed out");
  } else {
    send_frame(Opcode::kPing, {});
    ping_sent_ = now;
  }
}

void Session::on_transport_closed() { finish(close_code::kAbnormal, "transport closed"); }

}  // namespace umbrella::ws
