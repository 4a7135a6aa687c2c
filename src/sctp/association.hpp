// One SCTP association over DTLS (RFC 8261) through usrsctp's AF_CONN: SCTP packets in (the
// DTLS application data of one transport), SCTP packets and events out. The glue owns its
// usrsctp socket; nothing of usrsctp leaves this file pair. Each association's memory is
// bounded: streams capped, socket buffers sized for an access point, a message reassembled
// only up to the largest one we announce (a=max-message-size), outbox capped.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "sctp/stack.hpp"

struct socket;

namespace umbrella::sctp {

struct AssociationConfig {
  uint16_t local_port = 5000;
  uint16_t remote_port = 5000;
  uint16_t streams = 64;                  // each way; a channel id must be below it
  size_t max_message_size = 65536;        // what we accept (our a=max-message-size)
  size_t remote_max_message_size = 65536; // what the peer accepts (its a=max-message-size)
  uint32_t send_buffer = 256 * 1024;      // bytes queued toward the peer, at most
  uint32_t receive_buffer = 128 * 1024;
  size_t max_outbox_packets = 256;        // packets awaiting the owner's take_packets()
  uint32_t path_mtu = 1200;               // largest SCTP packet: what one DTLS record carries
};

struct AssociationUp {};
struct AssociationDown {
  std::string reason;
};
struct StreamMessage {
  uint16_t stream = 0;
  uint32_t ppid = 0;
  bool unordered = false;
  std::vector<uint8_t> data;
};
// The peer reset its outgoing stream (it closed the channel, or answered our reset).
struct StreamClosed {
  uint16_t stream = 0;
};
using AssociationEvent = std::variant<AssociationUp, AssociationDown, StreamMessage, StreamClosed>;

struct SendOptions {
  bool unordered = false;
  uint8_t reliability = 0;  // sctp::Reliability
  uint32_t reliability_parameter = 0;
};

enum class SendResult { kOk, kNotConnected, kTooLarge, kBufferFull, kFailed };
const char* to_string(SendResult r);

struct AssociationCounters {
  uint64_t packets_received = 0;
  uint64_t packets_sent = 0;
  uint64_t outbox_dropped = 0;       // packets past max_outbox_packets (SCTP retransmits)
  uint64_t messages_too_large = 0;   // received messages over max_message_size, dropped
  uint64_t packets_refused = 0;      // inputs usrsctp could not take (oversized)
};

class AssociationListener {
 public:
  virtual ~AssociationListener() = default;
  // After a Stack timer tick produced packets or events: call take_packets()/take_events().
  virtual void on_association_ready() = 0;
};

class Association {
 public:
  // Creates the usrsctp socket and starts connecting (both WebRTC peers send INIT, SCTP
  // resolves the collision); the INIT is in take_packets().
  static Result<std::unique_ptr<Association>, std::string> create(Stack& stack, const AssociationConfig& config,
                                                                  AssociationListener* listener = nullptr);
  ~Association();  // aborts the association (no lingering usrsctp state)
  Association(const Association&) = delete;
  Association& operator=(const Association&) = delete;

  // One SCTP packet (one DTLS application-data record).
  void receive(Bytes packet);
  SendResult send(uint16_t stream, uint32_t ppid, Bytes data, const SendOptions& options);
  // Resets our outgoing stream (RFC 8831 6.7: closes the channel); false if refused.
  bool reset_stream(uint16_t stream);

  std::vector<std::vector<uint8_t>> take_packets();
  std::vector<AssociationEvent> take_events();
  bool has_output() const { return !outbox_.empty() || !events_.empty(); }

  bool up() const { return up_; }
  uint16_t streams() const { return negotiated_streams_; }
  const AssociationConfig& config() const { return config_; }
  const AssociationCounters& counters() const { return counters_; }

  // For Stack only.
  void queue_packet(Bytes packet);
  void after_timers();

 private:
  Association(Stack& stack, const AssociationConfig& config, AssociationListener* listener);
  Result<bool, std::string> open();
  void drain();  // reads every message and notification usrsctp holds for us
  void on_notification(Bytes n);
  void down(std::string reason);

  Stack& stack_;
  AssociationConfig config_;
  AssociationListener* listener_;
  uintptr_t id_ = 0;
  struct ::socket* socket_ = nullptr;
  bool up_ = false;
  bool down_ = false;
  uint16_t negotiated_streams_ = 0;
  std::deque<std::vector<uint8_t>> outbox_;
  std::vector<AssociationEvent> events_;
  // The message being reassembled from partial deliveries.
  StreamMessage partial_;
  bool partial_active_ = false;
  bool partial_discarding_ = false;
  AssociationCounters counters_;
};

}  // namespace umbrella::sctp
