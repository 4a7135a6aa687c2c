// A trunk to another SFU as a participant kind: it is in every room, stands for the far
// SFU's people, brings in the far rooms' tracks and carries ours out. The dialling SFU joins
// the far one as a WebRTC client (role TRUNK) and makes every offer: it sends its rooms'
// tracks and asks, by global track id, for the far rooms' tracks (SessionDescription.receive).
// People cross in both directions as ordinary Participant messages. A track or person that
// reaches us by a second path (a ring) is ignored by id, and nothing goes back where it came
// from. It talks to rooms only through Rooms (rooms.hpp).
//
// A direct trunk (#18) runs over a bridge between two sites that a rendezvous introduced
// (direct_trunk.hpp). It carries only each site's own tracks, no people, no room data, and it
// never publishes: the cloud trunk's copy of a track stays the one the rooms know. While the
// path to the peer is direct, the direct copy feeds that track's stream instead
// (MediaPlane::republish; subscribers see no new track, only a keyframe), the cloud trunk stops
// asking for it and the direct trunk asks; back on the cloud path, or when the bridge ends, the
// cloud copy feeds it again.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "server/conference.hpp"
#include "server/data_relay.hpp"
#include "server/participant.hpp"
#include "server/rooms.hpp"
#include "server/trunk_auth.hpp"
#include "server/trunk_wants.hpp"

namespace umbrella::server {

class TrunkHub;
class DirectTrunk;

// Someone in a room on another SFU, known through a trunk.
struct RemoteParticipant {
  std::string id, display_name, site_id, room;
  bool audio_muted = false, video_muted = false;
  signal::ParticipantFields fields() const { return {id, display_name, audio_muted, video_muted, site_id, room}; }
};

// A track the far SFU offers over a trunk we dialled, and the mid we receive it on.
struct FarTrack {
  std::string track_id, owner_id, origin_site, room;
  sfu::Kind kind = sfu::Kind::kVideo;
  std::string mid;
};

// What a trunk we dialled asks of the far SFU: track `track_id` on our receive m-line `mid`.
struct MidRequest {
  std::string mid;
  std::string track_id;
};

class TrunkParticipant final : public RoomMember, public TransportEvents, public DataTrunk {
 public:
  TrunkParticipant(Rooms& rooms, TrunkHub& hub, uint64_t key, SignalChannel* channel, bool dialled,
                   DirectTrunk* direct = nullptr);
  ~TrunkParticipant() override;

  uint64_t key() const { return p_.connection; }
  bool dialled() const { return dialled_; }
  const std::string& far_site() const override { return far_site_; }
  bool joined() const { return p_.joined; }
  bool direct() const { return direct_ != nullptr; }
  void close(const std::string& why);

  // A direct trunk: trusted by the bridge's DTLS, it starts at once (the dialled side, the
  // bridge's controlling one, offers); `preferred` as in set_preferred.
  void start_direct(const std::string& far_site, bool preferred);
  // A direct trunk: whether its copies of the peer's tracks feed their streams (the path is direct).
  void set_preferred(bool preferred);
  size_t tracks_fed() const { return fed_.size(); }
  // The stream `stream` this trunk brought in first is fed by its own copy again (a direct
  // trunk gave it back). False: not one of ours.
  bool feed_again(media::TrackId stream);

  // Dialling side: the WebSocket is up; join the far SFU (no secret: it answers a challenge).
  void send_join();
  // Accepting side: a Join with role TRUNK arrived from `from`; challenge it.
  void accept(const umbrella_Join& join, const SocketAddress& from, Instant now);
  void on_message(const umbrella_Envelope& msg, Instant now);
  // Accepting side: refuses the trunk with an Error and closes it. Delayed refusals of
  // failed handshakes (TrunkHub) are logged there, at most once per interval.
  void refuse(umbrella_Error_Code code, const std::string& why, Instant now, bool log = true);
  // The link is gone: its people leave, its tracks end.
  void leave();
  // Pull: tell the far side which of its tracks are watched here now, if that changed
  // (TrunkHub calls it after subscriptions changed anywhere).
  void update_wants();
  // Sends one message to the far SFU (after the handshake).
  void send(const umbrella_Envelope& env) {
    if (p_.joined && p_.channel) p_.channel->send(env);
  }
  // The rooms the far site's own people are in (a rendezvous introduces sites by them).
  std::set<std::string> own_rooms() const;
  // A dialled trunk: its transport's remote address, the far SFU's media port, once chosen.
  std::optional<SocketAddress> media_address() const;

  // RoomMember
  const Participant& participant() const override { return p_; }
  void for_each_person(const PersonFn& fn) const override;
  void on_people_event(const std::string& room, const umbrella_Envelope& event) override;
  void on_tracks_changed() override;
  // TransportEvents
  void on_transport_connected(media::TransportId transport, Instant now) override;
  void on_transport_closed(media::TransportId transport, const std::string& reason) override;
  // Room data channel messages cross on one channel of the trunk's association, opened by
  // the dialling side (trunk_media.cpp).
  void on_data_channel_event(media::TransportId transport, sctp::ChannelEvent& event) override;
  // DataTrunk
  sctp::SendResult send_trunk_data(Bytes frame) override;

 private:
  void send_error(umbrella_Error_Code code, std::string_view message);
  bool send_description(umbrella_SessionDescription_Type type, const std::string& sdp,
                        const std::vector<MidRequest>& receive = {});
  void on_challenge(const umbrella_TrunkChallenge& challenge);
  void on_response(const umbrella_TrunkResponse& response, Instant now);
  void on_joined(const umbrella_Joined& joined);
  TrunkHandshake handshake() const;
  void remote_participant_event(const umbrella_Envelope& msg);
  void on_track_added(const umbrella_TrackInfo& track);
  void on_track_removed(const std::string& track_id);
  // Media (trunk_media.cpp).
  void handle_offer(const umbrella_SessionDescription& d, Instant now);
  Result<std::string, std::string> accept_offer(const std::string& offer, Instant now,
                                                const std::vector<MidRequest>& receive);
  void announce();
  void offer();
  void apply_answer(const umbrella_SessionDescription& d, Instant now);
  void publish_tracks();
  void unpublish(std::vector<PublisherTrack>::iterator it);
  void subscribe_negotiated();
  void on_wants(const umbrella_TrunkWants& w);
  void ensure_peer();
  // The stream and simulcast layers of t as this trunk's negotiation has them.
  std::optional<std::pair<sfu::PublishedStream, std::vector<media::SimulcastLayer>>> source_of(const PublisherTrack& t);
  // Direct trunks: feed the streams of the tracks we carry (while preferred), or hand them back.
  void take_over_all();
  bool take_over(const PublisherTrack& t);
  void give_back(const std::string& track_id);
  void give_back_all();

  Rooms& rooms_;
  TrunkHub& hub_;
  Participant p_;
  bool dialled_;                // we are the WebRTC client of this trunk
  std::string far_site_;        // from the Join or challenge; trusted once the handshake is done
  // The handshake (trunk_auth.hpp): who has proved what so far.
  enum class Auth { kAwaitChallenge, kAwaitJoined, kChallenged, kRefused, kDone };
  Auth auth_;
  SocketAddress from_;          // accepting side: the dialler's address (failures are bounded per address)
  TrunkNonce challenge_{}, response_{};
  // Bounds on what the far side may announce: a track can only be asked for on one of the
  // description's receive requests (proto/umbrella.options), and people beyond a few full
  // rooms are a flood, not a call. More is refused and counted (signal.trunk_refused).
  static constexpr size_t kMaxFarTracks = 64;
  static constexpr size_t kMaxRemotePeople = 256;
  void refuse_far(const char* what);
  std::vector<RemoteParticipant> remote_participants_;
  std::vector<FarTrack> far_tracks_;  // dialled: what the far side offers; accepting: what we told it
  TrunkWants wants_;  // what crosses: our subscriptions forward only what the far side wants
  std::optional<uint16_t> data_channel_;  // the trunk's data channel, once open
  bool closing_ = false;
  bool refused_logged_ = false;
  DirectTrunk* direct_ = nullptr;  // a direct trunk's bridge link (it outlives us)
  bool prefer_ = false;
  std::map<std::string, media::TrackId> fed_;  // direct: our tracks feeding a stream, by track id
  std::set<std::string> mismatched_;           // direct: copies that cannot feed (said once)
};

}  // namespace umbrella::server
