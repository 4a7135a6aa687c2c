// One site's side of a direct bridge to another site (#18), sans-IO. After the rendezvous
// introduced the two, it learns its server-reflexive address (a plain binding request to the
// rendezvous's media port, retransmitted), sends its DirectSetup (ICE credentials, DTLS
// fingerprint, host candidates then the reflexive one) through the rendezvous, and once the
// peer's arrives runs an rtc::Transport with full ICE over the pair it finds: controlling and
// DTLS client when its site id sorts first, else controlled and DTLS server. Datagrams and
// time go in; datagrams, the setup to relay and the state come out. The owner (DirectBridges)
// holds the socket and the trunk to the rendezvous.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/packet_pool.hpp"
#include "core/socket_address.hpp"
#include "core/time.hpp"
#include "rtc/transport.hpp"
#include "signal/direct_setup.hpp"
#include "stun/constants.hpp"

namespace umbrella::tls {
class Certificate;
}
namespace umbrella::sctp {
class Stack;
}

namespace umbrella::server {

struct DirectBridgeConfig {
  std::string peer_site;
  bool controlling = false;
  std::vector<SocketAddress> host_candidates;  // this site's addresses, on the bridge's socket port
  std::optional<SocketAddress> reflector;      // the rendezvous's media port; none: host candidates only
  Duration reflect_interval = milliseconds(500);
  int reflect_attempts = 4;                    // then the setup goes without a reflexive candidate
  // After the transport failed (no pair answered, consent lost): start afresh (a new session,
  // gathered again) after this, doubling up to retry_max while it keeps failing.
  Duration retry_first = seconds(5);
  Duration retry_max = seconds(60);
  // Both ends are ours and a lost bridge should hand its media back to the cloud within
  // seconds, not RFC 7675's 30: a consent check each second (a few hundred bytes a second),
  // and the bridge is down after this long without an answer.
  Duration consent_interval = seconds(1);
  Duration consent_timeout = seconds(5);
  // With the peer's candidates known, first open our NAT toward each (take_openers(): the
  // owner sends datagrams that die on the way) and start checking this much later. A check
  // that reaches the peer's NAT before the peer has sent anything toward us can leave an entry
  // there (Linux masquerade without an input firewall keeps it as the NAT's own) that then
  // maps the peer's own flow to us to another port, which our NAT does not let in: no pair
  // would ever answer. Setups cross the rendezvous within this of each other.
  Duration check_delay = seconds(1);
  // The direct trunk's signalling runs on a data channel of the bridge: SCTP over its DTLS.
  // Null: no data channels (the transport-only tests).
  sctp::Stack* sctp = nullptr;
};

// What runs over a connected bridge (the direct trunk, direct_trunk.hpp): told when the
// bridge's transport is usable and, before it is closed, replaced or freed, that it is not;
// handed what it delivers in between.
class BridgeMedia {
 public:
  virtual ~BridgeMedia() = default;
  virtual void on_bridge_up(rtc::Transport& transport, Instant now) = 0;
  virtual void on_bridge_down(const std::string& reason) = 0;  // forget the transport now
  virtual void on_bridge_rtp(Packet& packet, Instant now) = 0;
  virtual void on_bridge_rtcp(Packet& packet, Instant now) = 0;
  virtual void on_bridge_channel(sctp::ChannelEvent& event) = 0;
};

struct DirectBridgeCounters {
  uint64_t bytes_received = 0, bytes_sent = 0;  // every datagram of the bridge, as on the wire
  uint64_t setups_received = 0;
  uint64_t retries = 0;  // fresh sessions after a failure
  uint64_t stray = 0;  // datagrams with no transport (yet) to take them, or stale binding answers
};

class DirectBridge final : private rtc::DatagramSink, private rtc::TransportListener {
 public:
  enum class State { kGathering, kAwaitingPeer, kChecking, kConnected, kFailed };

  DirectBridge(DirectBridgeConfig config, tls::Certificate& certificate, PacketPool& pool, Instant now);
  ~DirectBridge() override;

  // A datagram that arrived on the bridge's socket from `from`.
  void on_datagram(Packet packet, const SocketAddress& from, Instant now);
  // The peer's setup, relayed by the rendezvous (already parsed). A new session replaces the
  // transport of an older one.
  void on_setup(const signal::DirectSetupFields& setup, Instant now);
  Instant next_deadline() const;
  void on_timeout(Instant now);

  // What to send on the socket, and the setup to send the peer (once per session).
  std::deque<std::pair<Packet, SocketAddress>> take_datagrams() { return std::exchange(out_, {}); }
  std::optional<signal::DirectSetupFields> take_setup() { return std::exchange(setup_out_, std::nullopt); }
  // Where to send a datagram that opens our NAT but dies before the peer's (check_delay).
  std::vector<SocketAddress> take_openers() { return std::exchange(openers_, {}); }

  State state() const { return state_; }
  static const char* state_name(State s);
  const std::string& peer_site() const { return config_.peer_site; }
  bool controlling() const { return config_.controlling; }
  std::optional<SocketAddress> reflexive() const { return reflexive_; }
  std::optional<SocketAddress> remote_address() const { return transport_ ? transport_->remote_address() : std::nullopt; }
  const std::string& last_error() const { return last_error_; }
  const DirectBridgeCounters& counters() const { return counters_; }
  rtc::Transport* transport() { return transport_.get(); }
  // Where a connected transport's media and channels go (null: dropped).
  void set_media(BridgeMedia* media) { media_ = media; }
  // Datagrams straight to the owner's socket instead of take_datagrams(): media is sent from
  // outside the bridge's own calls (the media plane forwarding over the direct trunk).
  using Output = std::function<void(Packet, const SocketAddress&)>;
  void set_output(Output output) { output_ = std::move(output); }

 private:
  // DatagramSink
  void send_datagram(Packet packet, const SocketAddress& to) override;
  void bind_address(const SocketAddress& address) override { (void)address; }
  // TransportListener
  void on_connected(Instant now) override;
  void on_rtp(Packet& packet, Instant now) override {
    if (media_up_) media_->on_bridge_rtp(packet, now);
  }
  void on_rtcp(Packet& packet, Instant now) override {
    if (media_up_) media_->on_bridge_rtcp(packet, now);
  }
  void on_closed(const std::string& reason) override;
  void on_data_channel_event(sctp::ChannelEvent& event) override {
    if (media_up_) media_->on_bridge_channel(event);
  }
  void media_down(const std::string& reason);  // before the transport is closed or replaced

  void send_binding_request();
  void restart(Instant now);
  void finish_gathering();
  void maybe_start(Instant now);

  DirectBridgeConfig config_;
  tls::Certificate& certificate_;
  PacketPool& pool_;
  State state_ = State::kGathering;
  ice::Credentials local_;
  uint64_t session_;
  Instant now_{};            // the latest time we were given (the listener's calls carry none)
  Instant retry_at_ = kNever;
  Instant start_at_ = kNever;  // awaiting the peer: when checks start (after the openers)
  std::vector<SocketAddress> openers_;
  Duration retry_backoff_{};
  stun::TransactionId reflect_id_{};
  int reflect_sent_ = 0;
  Instant next_reflect_{};
  std::optional<SocketAddress> reflexive_;
  std::optional<signal::DirectSetupFields> peer_;
  std::unique_ptr<rtc::Transport> transport_;
  std::unique_ptr<rtc::Transport> closing_;  // replaced by a new session: freed on the next call
  std::deque<std::pair<Packet, SocketAddress>> out_;
  std::optional<signal::DirectSetupFields> setup_out_;
  std::optional<signal::DirectSetupFields> local_setup_;  // once gathered
  std::string last_error_;
  DirectBridgeCounters counters_;
  BridgeMedia* media_ = nullptr;
  Output output_;
  bool media_up_ = false;  // media_ was told on_bridge_up for the current transport
};

}  // namespace umbrella::server
