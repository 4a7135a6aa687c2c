// A WebSocket connection after the handshake, sans-IO, in either role. The server role
// requires masked frames from the client; the client role masks its own frames with random
// keys and requires unmasked frames. Fragmented messages are reassembled (bounded by
// max_message_bytes), pings are answered automatically, the close handshake is handled, and
// an idle peer is probed with pings.
//
// Close codes this side uses: 1002 protocol error (unmasked client frame, reserved bits,
// bad control frame, bad continuation, invalid close code), 1007 text not UTF-8, 1009 message
// too large. Keepalive: after ping_interval without receiving anything a ping is sent; if
// nothing at all arrives within pong_timeout the peer is taken as gone: the session closes
// WITHOUT a Close frame (the path is presumed dead) and reports 1006 to the listener.
// A Close we initiate that gets no answer within close_timeout is also reported as 1006.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/time.hpp"
#include "http/upgraded_stream.hpp"
#include "ws/frame.hpp"
#include "ws/utf8.hpp"

namespace umbrella::ws {

enum class Role { kServer, kClient };
enum class MessageType { kText, kBinary };

namespace close_code {
inline constexpr uint16_t kNormal = 1000;
inline constexpr uint16_t kGoingAway = 1001;
inline constexpr uint16_t kProtocolError = 1002;
inline constexpr uint16_t kUnsupportedData = 1003;
inline constexpr uint16_t kNoStatus = 1005;  // never sent: Close frame without a code
inline constexpr uint16_t kAbnormal = 1006;  // never sent: connection lost / timed out
inline constexpr uint16_t kInvalidPayload = 1007;
inline constexpr uint16_t kPolicyViolation = 1008;
inline constexpr uint16_t kMessageTooBig = 1009;
inline constexpr uint16_t kInternalError = 1011;
}  // namespace close_code

// Codes a peer may put in a Close frame (RFC 6455 7.4, IANA registry).
bool is_valid_close_code(uint16_t code);

class Session;

// Callbacks run inside on_bytes()/on_timeout(); they may call send_*() and close() but must
// not destroy the Session.
class Listener {
 public:
  virtual ~Listener() = default;
  // Called once when the session is ready to send (server: on accept; client: after 101).
  virtual void on_open(Session& session) { (void)session; }
  // A complete message; payload is valid only during the call. Text is valid UTF-8.
  virtual void on_message(Session& session, MessageType type, Bytes payload) = 0;
  virtual void on_pong(Session& session, Bytes payload) { (void)session; (void)payload; }
  // Exactly once, when the session reaches kClosed. code is the peer's (or 1005 when it sent
  // none), ours on a protocol failure, or 1006 on a timeout.
  virtual void on_close(Session& session, uint16_t code, std::string_view reason) {
    (void)session; (void)code; (void)reason;
  }
};

struct SessionConfig {
  size_t max_message_bytes = 64 * 1024;
  Duration ping_interval = seconds(20);  // 0 disables keepalive pings
  Duration pong_timeout = seconds(10);
  Duration close_timeout = seconds(5);
  // Client role: masking keys. Empty -> kernel CSPRNG. Tests inject fixed keys.
  std::function<MaskKey()> mask_source;
};

class Session final : public http::UpgradedStream {
 public:
  enum class State { kOpen, kClosing /* our Close sent */, kClosed };

  Session(Role role, Listener* listener, SessionConfig config, Instant now);

  void on_bytes(Bytes data, Instant now) override;
  std::string take_output() override;
  bool has_output() const override { return !out_.empty(); }
  Instant next_deadline() const override;
  void on_timeout(Instant now) override;
  bool should_close() const override { return state_ == State::kClosed; }
  void on_transport_closed() override;

  // False (and nothing queued) unless the session is open.
  bool send_text(std::string_view text);
  bool send_binary(Bytes data);
  bool send_ping(Bytes payload = {});  // payload up to 125 bytes
  // Starts the close handshake; reason is cut to fit a control frame.
  void close(uint16_t code, std::string_view reason, Instant now);

  State state() const { return state_; }
  Role role() const { return role_; }
  uint16_t close_code() const { return close_code_; }
  size_t pending_output() const { return out_.size(); }
  void set_listener(Listener* listener) { listener_ = listener; }

 private:
  bool on_header();
  void on_payload(const FrameParser::Piece& piece);
  void on_frame_end();
  void on_control(Opcode op, Bytes payload);
  void send_frame(Opcode op, Bytes payload);
  void send_close(uint16_t code, std::string_view reason);
  // Fails the connection: sends Close(code) if still possible, then kClosed.
  void fail(uint16_t code, const char* reason);
  void finish(uint16_t code, std::string_view reason);
  void release_message();

  Role role_;
  Listener* listener_;
  SessionConfig config_;
  State state_ = State::kOpen;
  uint16_t close_code_ = 0;
  FrameParser parser_;
  // Message being reassembled; freed after large messages so idle sessions stay small.
  std::string message_;
  MessageType message_type_ = MessageType::kBinary;
  bool in_message_ = false;
  Utf8Validator utf8_;
  std::array<uint8_t, kMaxControlPayload> control_{};
  size_t control_size_ = 0;
  std::string out_;
  Instant last_rx_;
  Instant ping_sent_ = kNever;  // kNever: no ping outstanding
  Instant close_deadline_ = kNever;
};

}  // namespace umbrella::ws
