// The control plane: rooms and their participants, the signalling each participant speaks
// over /wsb (or WHIP/WHEP over HTTP), SDP negotiation, and the glue from every participant's
// transport to the media router.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/bytes.hpp"
#include "core/time.hpp"
#include "server/peer.hpp"
#include "sfu/router.hpp"
#include "signal/status.hpp"
#include "umbrella.pb.h"

namespace umbrella::server {

struct SignalCounters {
  uint64_t messages = 0;
  uint64_t malformed = 0;        // undecodable frame: answered with Error, connection kept
  uint64_t unexpected = 0;       // valid message in the wrong state
  uint64_t joins = 0;
  uint64_t leaves = 0;
  uint64_t bad_sdp = 0;
  uint64_t offers_sent = 0;
  uint64_t answers_received = 0;
  uint64_t description_failed = 0;  // an offer/answer not built or over the bound: session closed
  uint64_t tracks_refused = 0;      // an offer publishing over the per-room track bound
};

// Something that can carry Envelopes to one client (a WebSocket session).
class SignalChannel {
 public:
  virtual ~SignalChannel() = default;
  virtual void send(const umbrella_Envelope& env) = 0;
  virtual void close(uint16_t code, std::string_view reason) = 0;
};

// The trunks this SFU dials, as the /trunk page sees and sets them.
class TrunkControl {
 public:
  virtual ~TrunkControl() = default;
  virtual void set_urls(const std::vector<std::string>& urls) = 0;
  virtual void describe(std::vector<signal::TrunkSnapshot>& out) const = 0;
};

class Participant;
struct OutgoingTrack;
struct PublishedTrack;

// What a trunk we dialled asks of the far SFU: track `track_id` on our receive m-line `mid`.
struct MidRequest {
  std::string mid;
  std::string track_id;
};

class Conference final : public PeerListener, public sfu::Outbox {
 public:
  Conference(std::string site_id, MediaContext& media, std::string trunk_secret = {});
  ~Conference() override;

  const std::string& site_id() const { return site_id_; }
  const SignalCounters& counters() const { return counters_; }

  // A new /wsb connection. The returned id names it in on_message/on_closed.
  uint64_t open(SignalChannel* channel);
  void on_message(uint64_t connection, Bytes frame, Instant now);
  void on_closed(uint64_t connection);

  // WHIP (publish) and WHEP (watch): an SDP offer in, the answer out, and the resource id
  // for the Location header (DELETE ends it).
  struct HttpSession {
    std::string resource;
    std::string answer;
  };
  Result<HttpSession, std::string> whip(const std::string& room, const std::string& offer, Instant now);
  Result<HttpSession, std::string> whep(const std::string& room, const std::string& offer, Instant now);
  bool end_http_session(const std::string& resource);

  void set_trunk_control(TrunkControl* control) { trunk_control_ = control; }
  // A trunk we dial: its WebSocket is up; we join the far SFU as its WebRTC client.
  uint64_t open_trunk(SignalChannel* channel);

  size_t participants() const { return participants_.size(); }
  void snapshot(signal::StatusSnapshot& out) const;
  const sfu::Router& router() const { return router_; }

  // PeerListener
  void on_peer_connected(uint32_t peer, Instant now) override;
  void on_peer_rtp(uint32_t peer, Packet& packet, Instant now) override;
  void on_peer_rtcp(uint32_t peer, Packet& packet, Instant now) override;
  void on_peer_closed(uint32_t peer, const std::string& reason) override;
  // sfu::Outbox
  void forward_rtp(sfu::TransportId to, const Packet& source, const sfu::RtpRewrite& rewrite) override;
  void send_rtcp(sfu::TransportId to, Bytes compound) override;

 private:
  Participant& create_participant(uint64_t connection, SignalChannel* channel);
  // A WHIP publisher or WHEP viewer: joined at once, no signalling channel.
  Participant& create_http_participant(const std::string& room, const char* kind);
  void remove_participant(Participant& p);
  void handle_join(Participant& p, const umbrella_Join& join);
  void handle_leave(Participant& p);
  void handle_description(Participant& p, const umbrella_SessionDescription& d, Instant now);
  Result<std::string, std::string> accept_offer(Participant& p, const std::string& offer, Instant now,
                                                const std::vector<MidRequest>& receive = {});
  void publish_tracks(Participant& p);
  void unpublish_tracks(Participant& p);
  void update_subscriptions(Participant& p);
  void renegotiate(Participant& p);
  void renegotiate_room(const std::string& room, const Participant* except);
  void subscribe_negotiated(Participant& subscriber);
  std::optional<sfu::Subscription> make_subscription(const Participant& subscriber, const OutgoingTrack& out) const;
  void broadcast(const std::string& room, const umbrella_Envelope& env, const Participant* except);
  // Trunks (conference_trunk.cpp).
  bool handle_trunk_message(Participant& p, const umbrella_Envelope& msg, Instant now);
  bool accept_trunk_join(Participant& p, const umbrella_Join& join);
  void announce_to_trunk(Participant& p);
  void trunk_offer(Participant& p);
  void apply_trunk_answer(Participant& p, const umbrella_SessionDescription& d, Instant now);
  void remote_participant_event(Participant& trunk, const umbrella_Envelope& msg);
  const PublishedTrack* find_track(const std::string& track_id,
                                        const Participant* except) const;
  bool known_participant(const std::string& id) const;
  void send_error(Participant& p, umbrella_Error_Code code, std::string_view message);
  // An offer or answer for p could not be built or sent: log, count, Error, close its session.
  void fail_description(Participant& p, const std::string& why);
  void send_trunks(Participant& p);
  void arm_router_timer();
  Participant* by_peer(uint32_t peer);
  std::string new_participant_id();
  // A new output of track t on mid (fresh SSRCs) for a participant that receives it.
  OutgoingTrack output_for(const PublishedTrack& t, std::string mid);
  uint32_t new_ssrc();

  std::string site_id_;
  std::string trunk_secret_;
  TrunkControl* trunk_control_ = nullptr;
  MediaContext& media_;
  sfu::Router router_;
  SignalCounters counters_;
  uint64_t next_connection_ = 1;
  uint64_t next_participant_ = 1;
  uint32_t next_peer_ = 1;
  sfu::StreamId next_stream_ = 1;
  uint64_t next_mid_ = 1;
  std::map<uint64_t, std::unique_ptr<Participant>> participants_;  // by connection / resource key
  std::unordered_map<uint32_t, Participant*> by_peer_;
  std::unordered_map<std::string, uint64_t> http_resources_;       // WHIP/WHEP resource -> key
  EventLoop::TimerId router_timer_ = 0;
  struct RateSample {
    uint64_t bytes;
    Instant at;
    uint64_t bps;
  };
  uint64_t bitrate(const std::string& key, uint64_t bytes, Instant now,
                   std::unordered_map<std::string, RateSample>& next) const;
  mutable std::unordered_map<std::string, RateSample> rate_samples_;  // for bitrates in status
};

}  // namespace umbrella::server
