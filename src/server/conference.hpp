// The control plane: rooms and their participants, the signalling each participant speaks
// over /wsb (or WHIP/WHEP over HTTP) and SDP negotiation. Media never passes through here:
// it goes from each transport to the media plane (src/media) and out again.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <utility>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/bytes.hpp"
#include "core/time.hpp"
#include "server/admission.hpp"
#include "server/access.hpp"
#include "server/active_speakers.hpp"
#include "server/client_status.hpp"
#include "server/data_relay.hpp"
#include "server/peer.hpp"
#include "server/rooms.hpp"
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
  uint64_t glare = 0;               // client offers that crossed ours: ignored, the client rolls back
  uint64_t description_failed = 0;  // an offer/answer not built or over the bound: session closed
  uint64_t tracks_refused = 0;      // an offer publishing over the per-room track bound
  uint64_t trunk_refused = 0;       // far tracks or people over a trunk's bounds, ignored
  uint64_t trunk_auth_failed = 0;   // trunk handshakes with a wrong proof (either direction)
  uint64_t trunk_auth_throttled = 0;  // trunk joins refused: too many failures from that address
  uint64_t unauthorized = 0;        // a join, publish or control action without the credential
};

// Why an offer that sends media is refused for a viewer token.
inline constexpr std::string_view kMayNotPublish =
    "this access token may not publish (a viewer token): offer receive-only media (recvonly)";

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

// The rooms: local participants (browsers on /wsb, WHIP publishers, WHEP viewers), their
// signalling and SDP negotiation, and their tracks in the media plane. Trunks are RoomMembers
// (trunk_participant.hpp); /wsb connections that join as a trunk go to the TrunkAcceptor.
class Conference final : public TransportEvents, public Rooms, private DataChannelPeers {
 public:
  Conference(std::string site_id, MediaContext& media, AdmissionLimits limits = {});
  ~Conference() override;

  const SignalCounters& counters() const { return counters_; }
  const AdmissionCounters& admission_counters() const { return admission_.counters(); }

  // A new /wsb connection from `from`. The returned id names it in on_message/on_closed.
  uint64_t open(SignalChannel* channel, const SocketAddress& from = {});
  void on_message(uint64_t connection, Bytes frame, Instant now);
  void on_closed(uint64_t connection);

  // WHIP (publish) and WHEP (watch): an SDP offer in, the answer out, and the resource id
  // for the Location header (DELETE ends it): 128 random bits, bound to `credential` (the
  // Authorization header it was made with; "" makes the unguessable id itself the capability).
  struct HttpSession {
    std::string resource;
    std::string answer;
  };
  Result<HttpSession, std::string> whip(const std::string& room, const std::string& offer, Instant now,
                                        const RoomGrant& grant = {}, std::string_view credential = {});
  Result<HttpSession, std::string> whep(const std::string& room, const std::string& offer, Instant now,
                                        const RoomGrant& grant = {}, std::string_view credential = {});
  enum class EndResult { kEnded, kNotFound, kForbidden };
  // Ends a WHIP/WHEP session for the credential that made it, or for the administrator.
  EndResult end_http_session(const std::string& resource, std::string_view credential, bool admin);
  // Whether `from` may start a WHIP/WHEP session in `room` now (else why not: answer 429 or 503).
  std::optional<Refusal> admit_http(const SocketAddress& from, const std::string& room, Instant now);

  // Who may join, publish and control; without it rooms are open and control is refused.
  void set_access(const Access* access) { access_ = access; }

  void set_trunk_control(TrunkControl* control) { trunk_control_ = control; }
  void set_trunk_acceptor(TrunkAcceptor* acceptor) { trunk_acceptor_ = acceptor; }

  size_t participants() const { return participants_.size(); }
  void snapshot(signal::StatusSnapshot& out) const;

  // TransportEvents
  void on_transport_connected(media::TransportId transport, Instant now) override;
  void on_transport_closed(media::TransportId transport, const std::string& reason) override;
  void on_data_channel_event(media::TransportId transport, sctp::ChannelEvent& event) override;
  const DataRelayCounters& data_counters() const { return data_relay_.counters(); }

  // Rooms (for trunks)
  const std::string& site_id() const override { return site_id_; }
  MediaContext& media() override { return media_; }
  SignalCounters& signal_counters() override { return counters_; }
  void add_member(RoomMember& member) override { members_.push_back(&member); }
  void remove_member(RoomMember& member) override { std::erase(members_, &member); }
  void for_each_track(const RoomMember* except, const TrackFn& fn) const override;
  void for_each_person(const RoomMember* except, const PersonFn& fn) const override;
  void people_event(const std::string& room, const umbrella_Envelope& event, const RoomMember* from) override;
  void track_event(const std::string& room, const umbrella_Envelope& event, const RoomMember* from) override;
  void tracks_changed(const std::string& room, const RoomMember* from) override;
  std::string new_mid(char prefix) override { return prefix + std::to_string(next_mid_++); }
  DataRelay& data_relay() override { return data_relay_; }

 private:
  Participant& create_participant(uint64_t connection, SignalChannel* channel);
  // A WHIP publisher or WHEP viewer: joined at once, no signalling channel.
  Participant& create_http_participant(const std::string& room, const char* kind, const RoomGrant& grant);
  std::string add_http_resource(uint64_t key, std::string_view credential);
  // Control messages carry the administrator secret; false (Error sent, counted) without it.
  bool admin_allowed(Participant& p, const char* admin, const char* what);
  void remove_participant(Participant& p);
  void handle_message(Participant& p, const umbrella_Envelope& msg, Instant now);
  void handle_join(Participant& p, const umbrella_Join& join, Instant now);
  std::optional<Refusal> admit(Admission::Kind kind, const SocketAddress& from, const std::string& room, Instant now);
  void handle_leave(Participant& p);
  void handle_description(Participant& p, const umbrella_SessionDescription& d, Instant now);
  void handle_tile_views(Participant& p, const umbrella_TileViews& views);
  Result<std::string, std::string> accept_offer(Participant& p, const std::string& offer, Instant now);
  void publish_tracks(Participant& p);
  void unpublish_tracks(Participant& p);
  void renegotiate(Participant& p);
  void renegotiate_room(const std::string& room, const Participant* except);
  void subscribe_negotiated(Participant& subscriber);
  // Tracks of `room` that `p` may receive (everyone's but its own).
  void for_each_room_track(const Participant& p, const TrackFn& fn) const;
  // People events go to the room's clients and to every member; track events to clients only.
  void broadcast_people(const std::string& room, const umbrella_Envelope& env, const Participant* except,
                        const RoomMember* from = nullptr);
  void broadcast_tracks(const std::string& room, const umbrella_Envelope& env, const Participant* except);
  // Every failure to build or send a description ends up here: logged, counted, the session closed.
  bool send_description(Participant& p, umbrella_SessionDescription_Type type, const std::string& sdp);
  void send_error(Participant& p, umbrella_Error_Code code, std::string_view message);
  void send_trunks(Participant& p);
  Participant* by_transport(media::TransportId transport);
  // Active speakers (conference_speakers.cpp): sampled on a timer while audio is published.
  void watch_speakers();
  void update_speakers();
  // The media plane paused or resumed a subscriber's video for bandwidth: tell its page.
  void on_video_paused(media::TransportId transport, bool paused, int64_t estimate_bps);
  // The participant's transport goes: out of by_transport_ and the data relay.
  void forget_transport(media::TransportId transport);
  // DataChannelPeers
  Result<uint16_t, std::string> open_channel(media::TransportId t, const sctp::ChannelInfo& info) override;
  sctp::SendResult send_channel_message(media::TransportId t, uint16_t id, bool binary, Bytes data) override;
  void close_channel(media::TransportId t, uint16_t id) override;
  std::string new_participant_id();

  std::string site_id_;
  TrunkControl* trunk_control_ = nullptr;
  TrunkAcceptor* trunk_acceptor_ = nullptr;
  MediaContext& media_;
  SignalCounters counters_;
  Admission admission_;
  uint64_t next_connection_ = 1;
  uint64_t next_participant_ = 1;
  uint64_t next_mid_ = 1;
  std::map<uint64_t, std::unique_ptr<Participant>> participants_;  // by connection / resource key
  std::unordered_map<media::TransportId, Participant*> by_transport_;
  struct HttpResource {
    uint64_t key = 0;
    std::array<uint8_t, 32> owner{};  // HMAC of the creating credential (all zero: none)
  };
  std::unordered_map<std::string, HttpResource> http_resources_;  // WHIP/WHEP resource id
  const Access* access_ = nullptr;
  std::unordered_set<uint64_t> trunk_connections_;           // handed to the TrunkAcceptor
  std::vector<RoomMember*> members_;
  mutable RateMeter rates_;  // for bitrates in status
  std::map<std::string, ActiveSpeakers> speakers_;  // by room, while it has audio
  EventLoop::TimerId speakers_timer_ = 0;
  DataRelay data_relay_;
};

}  // namespace umbrella::server
