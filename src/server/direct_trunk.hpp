// The trunk that runs over a direct bridge between two sites (#18). Once the bridge's DTLS is
// up, the controlling site opens one data channel on it ("umbrella-direct"); each site then
// runs a TrunkParticipant whose signalling is that channel and whose media is the bridge's
// own transport (Peer::use_transport). There is no trunk handshake: each side's DTLS
// fingerprint reached the other through the rendezvous, over trunks that proved the secret,
// so the bridge's DTLS already says who is at the other end.
//
// The bridge's transport is the bridge's: when it closes, is replaced by a new session or is
// freed, the trunk ends at once (its tracks go back to the cloud copies) and the peer stops
// using the transport. A trunk that ends by itself (a send that failed, the channel closed)
// shuts the bridge's transport down, and the bridge's retry starts both afresh.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/event_loop.hpp"
#include "server/conference.hpp"
#include "server/direct_bridge.hpp"

namespace umbrella::server {

class Peer;
class SctpClock;
class DirectTrunk;

// Where direct trunks live (TrunkHub).
class DirectTrunkHost {
 public:
  virtual ~DirectTrunkHost() = default;
  // The signalling channel of `link` opened: start its trunk; returns the trunk's key.
  virtual uint64_t open_direct(DirectTrunk& link) = 0;
  virtual void on_frame(uint64_t key, Bytes frame, Instant now) = 0;
  virtual void on_closed(uint64_t key) = 0;
};

struct DirectTrunkCounters {
  uint64_t trunks = 0;          // trunks started over a bridge
  uint64_t send_failed = 0;     // signalling messages the channel did not take (the trunk ended)
  uint64_t refused = 0;         // channels or messages not ours (another label, another channel)
};

class DirectTrunk final : public BridgeMedia, public SignalChannel {
 public:
  static constexpr std::string_view kLabel = "umbrella-direct";

  DirectTrunk(EventLoop& loop, DirectTrunkHost& host, SctpClock* sctp, std::string peer_site, bool controlling,
              DirectTrunkCounters& counters);
  ~DirectTrunk() override;  // ends the trunk

  const std::string& peer_site() const { return peer_site_; }
  bool controlling() const { return controlling_; }
  rtc::Transport* transport() const { return transport_; }
  uint64_t key() const { return key_; }
  // The trunk's peer: it takes the bridge's media while the transport lasts (null: none).
  void attach(Peer* peer) { peer_ = peer; }
  // The trunk is gone (its hub closed it, or is going away): nothing more to end.
  void trunk_gone() {
    key_ = 0;
    peer_ = nullptr;
  }

  // BridgeMedia
  void on_bridge_up(rtc::Transport& transport, Instant now) override;
  void on_bridge_down(const std::string& reason) override;
  void on_bridge_rtp(Packet& packet, Instant now) override;
  void on_bridge_rtcp(Packet& packet, Instant now) override;
  void on_bridge_channel(sctp::ChannelEvent& event) override;
  // SignalChannel (the trunk's side)
  void send(const umbrella_Envelope& env) override;
  void close(uint16_t code, std::string_view reason) override;

 private:
  void end_trunk();

  EventLoop& loop_;
  DirectTrunkHost& host_;
  SctpClock* sctp_;
  std::string peer_site_;
  bool controlling_;
  DirectTrunkCounters& counters_;
  rtc::Transport* transport_ = nullptr;  // the bridge's, while connected
  Peer* peer_ = nullptr;
  std::optional<uint16_t> channel_;
  uint64_t key_ = 0;  // the trunk's, while it runs
  EventLoop::TimerId shutdown_timer_ = 0;
  std::vector<uint8_t> buffer_;  // one encoded message
};

}  // namespace umbrella::server
