// A participant of a room: a browser on /wsb, a WHIP publisher or a WHEP viewer.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sdp/negotiation.hpp"
#include "sdp/session_description.hpp"
#include "server/peer.hpp"
#include "sfu/router.hpp"
#include "signal/messages.hpp"
#include "umbrella.pb.h"

namespace umbrella::server {

class SignalChannel;

// A track this participant publishes.
struct PublishedTrack {
  std::string track_id;  // global: <site>/<participant>/<mid>, kept across trunk hops
  std::string owner_id;  // participant it belongs to (for a trunk: the far participant)
  std::string origin_site;
  std::string room;
  sfu::Kind kind = sfu::Kind::kVideo;
  std::string mid;       // in the publisher's session
  sfu::StreamId stream = 0;
  std::vector<sdp::Codec> codecs;  // as negotiated with the publisher
};

// Someone in the room on another SFU, known through a trunk.
struct RemoteParticipant {
  std::string id, display_name, site_id, room;
  bool audio_muted = false, video_muted = false;
  signal::ParticipantFields fields() const { return {id, display_name, audio_muted, video_muted, site_id, room}; }
};

// A track the far SFU offers over a trunk we dialled, and the mid we receive it on.
struct AvailableTrack {
  std::string track_id, owner_id, origin_site, room;
  sfu::Kind kind = sfu::Kind::kVideo;
  std::string mid;
};

// A track this participant receives: where it sits in this participant's session.
struct OutgoingTrack {
  std::string track_id;
  std::string publisher_id;
  sfu::StreamId stream = 0;
  sfu::Kind kind = sfu::Kind::kVideo;
  std::string mid;
  uint32_t ssrc = 0;
  uint32_t rtx_ssrc = 0;
  bool subscribed = false;  // registered with the router after negotiation
};

// How a track a participant receives appears in its SDP (msid stream = the publisher).
inline sdp::OutgoingTrack to_sdp_track(const OutgoingTrack& o) {
  sdp::OutgoingTrack t;
  t.mid = o.mid;
  t.kind = o.kind == sfu::Kind::kAudio ? sdp::MediaKind::kAudio : sdp::MediaKind::kVideo;
  t.stream_id = o.publisher_id;
  t.track_id = o.track_id;
  t.ssrc = o.ssrc;
  if (o.rtx_ssrc) t.rtx_ssrc = o.rtx_ssrc;
  return t;
}

class Participant {
 public:
  uint64_t connection = 0;          // /wsb connection id, 0 for WHIP/WHEP
  SignalChannel* channel = nullptr;  // null for WHIP/WHEP
  bool joined = false;
  std::string id;
  std::string room;
  std::string display_name;
  umbrella_Role role = umbrella_Role_ROLE_PARTICIPANT;
  bool audio_muted = false;
  bool video_muted = false;

  std::unique_ptr<Peer> peer;
  std::vector<PublishedTrack> published;
  std::vector<OutgoingTrack> outgoing;
  uint32_t revision = 1;        // of the last description exchanged
  bool offer_pending = false;   // we sent an offer and wait for its answer
  bool renegotiate = false;     // tracks changed while an offer was pending
  bool fixed_session = false;   // WHEP: no renegotiation possible

  // Trunks (role TRUNK): the far SFU, its people, and (when we dialled) what it offers.
  bool dialled = false;         // we are the WebRTC client of this trunk
  std::string far_site;
  std::vector<RemoteParticipant> remote_participants;
  std::vector<AvailableTrack> available;
  bool is_trunk() const { return role == umbrella_Role_ROLE_TRUNK; }
  // A trunk carries every room; anyone else is in one.
  bool in_room(const std::string& r) const { return joined && (room == r || is_trunk()); }

  signal::ParticipantFields fields(const std::string& site) const {
    return {id, display_name, audio_muted, video_muted, site, room};
  }
};

}  // namespace umbrella::server
