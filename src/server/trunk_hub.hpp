// Every trunk of this SFU, accepted (a /wsb connection that joined as a trunk, handed over
// by the conference) or dialled (a TrunkLink of Trunks): their lifetime, their signalling
// frames, and the rule for two SFUs that dial each other.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "core/event_loop.hpp"
#include "server/address_rate.hpp"
#include "server/direct_bridges.hpp"
#include "server/rendezvous.hpp"
#include "server/rooms.hpp"
#include "server/trunk_participant.hpp"

namespace umbrella::server {

class TrunkHub final : public TrunkAcceptor, public DirectBridges::Host {
 public:
  // Failed handshakes are answered after kRefusalDelay, and an address with more than
  // failures_per_minute of them is refused without a challenge until its bucket refills.
  static constexpr Duration kRefusalDelay = seconds(1);
  // A dialler that does not answer the challenge in this time is refused.
  static constexpr Duration kHandshakeTimeout = seconds(10);
  TrunkHub(Rooms& rooms, std::string secret, uint32_t failures_per_minute = 6);
  ~TrunkHub() override;

  // A trunk we dial: its WebSocket is up; we join the far SFU as its WebRTC client. The key
  // names it in on_frame/on_closed.
  uint64_t open_dialled(SignalChannel* channel);
  void on_frame(uint64_t key, Bytes frame, Instant now) override;

  // TrunkAcceptor (and the end of dialled links too)
  void accept(uint64_t connection, SignalChannel* channel, const umbrella_Join& join, const SocketAddress& from,
              Instant now) override;
  void on_message(uint64_t key, const umbrella_Envelope& msg, Instant now) override;
  void on_closed(uint64_t key) override;

  // DirectBridges::Host: a trunk over a bridge (direct_trunk.hpp), and which way the peer's
  // tracks come in.
  uint64_t open_direct(DirectTrunk& link) override;
  void direct_path(const std::string& peer_site, DirectPath::Path path) override;
  // A direct trunk stopped feeding `stream`: the trunk that brought it in feeds it again.
  void restore_source(media::TrackId stream, const TrunkParticipant* except);
  // Tracks fed by direct trunks now (status).
  size_t direct_tracks() const;
  // Every trunk re-asks the far side for what is watched here, once, soon (pull).
  void wants_changed();

  // The joined trunk other than `except` that links us to `far_site`, if any.
  TrunkParticipant* linked_to(const std::string& far_site, const TrunkParticipant* except);
  // The far SFU's site id of the joined trunk `key`; "" before it has joined.
  std::string far_site(uint64_t key) const;
  size_t size() const { return trunks_.size(); }

  // The handshake (trunk_participant.cpp).
  const std::string& secret() const { return secret_; }
  bool throttled(const SocketAddress& from, Instant now) const { return failures_.exhausted(from, now); }
  void auth_failed(uint64_t key, const SocketAddress& from, const std::string& far_site, Instant now);
  // Failed handshakes are logged at most once per interval (a guesser must not fill the log).
  void log_failure(const SocketAddress& from, const std::string& far_site, std::string_view what, Instant now);
  // Sends the refusal and closes `key` at `when`, unless it is gone or cancelled by then.
  void refuse_at(uint64_t key, umbrella_Error_Code code, std::string why, Instant when);
  void refuse_later(uint64_t key, umbrella_Error_Code code, std::string why, Instant now) {
    refuse_at(key, code, std::move(why), now + kRefusalDelay);
  }
  void cancel_refusal(uint64_t key);

  // Direct bridges between sites (#18). As a rendezvous (UMBRELLA_RENDEZVOUS), this SFU
  // introduces its joined trunks' sites to each other and relays their SiteSignals; as a site,
  // it takes introductions and signals only from trunks it dialled, into `direct`.
  void enable_rendezvous(RendezvousLimits limits = {});
  void set_direct_bridges(DirectBridges* direct) { direct_ = direct; }
  const Rendezvous* rendezvous() const { return rendezvous_.get(); }
  // SiteIntroduction and SiteSignal from a joined trunk (trunk_participant.cpp).
  void on_site_message(TrunkParticipant& from, const umbrella_Envelope& msg, Instant now);
  // The trunk passed the handshake, its far site's people changed rooms, or it left.
  void site_joined(TrunkParticipant& t);
  void site_rooms_changed(TrunkParticipant& t);
  void site_gone(uint64_t key);
  // Site messages that were not for us (a signal to a site that is no rendezvous, an
  // introduction on an accepted trunk): dropped.
  uint64_t site_messages_refused() const { return site_messages_refused_; }
  // The dialled trunk's transport's remote address (the far SFU's media port), once chosen.
  std::optional<SocketAddress> media_address(uint64_t key) const;
  bool send_to(uint64_t key, const umbrella_Envelope& env);

 private:
  void flush_rendezvous();

  Rooms& rooms_;
  std::string secret_;
  AddressRate failures_;
  LogInterval failure_log_;
  std::map<uint64_t, EventLoop::TimerId> refusals_;
  EventLoop::TimerId wants_timer_ = 0;  // the trunks re-ask the far sides (pull) when it fires
  uint64_t next_dialled_ = uint64_t(1) << 62;  // apart from the conference's connection ids
  std::map<uint64_t, std::unique_ptr<TrunkParticipant>> trunks_;
  std::unique_ptr<Rendezvous> rendezvous_;
  DirectBridges* direct_ = nullptr;
  uint64_t site_messages_refused_ = 0;
};

}  // namespace umbrella::server
