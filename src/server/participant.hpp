// What every participant kind has: a browser on /wsb, a WHIP publisher or a WHEP viewer (the
// local kinds, in rooms.cpp), or a trunk to another SFU (trunk_participant.cpp), which is in
// every room.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sdp/negotiation.hpp"
#include "sdp/session_description.hpp"
#include "server/address_rate.hpp"
#include "server/peer.hpp"
#include "sfu/router.hpp"
#include "signal/messages.hpp"
#include "umbrella.pb.h"

namespace umbrella::server {

class SignalChannel;

// A publisher track: one this participant sends us (for a trunk: one the far SFU brings in).
struct PublisherTrack {
  std::string track_id;  // global: <site>/<participant>/<mid>, kept across trunk hops
  std::string owner_id;  // participant it belongs to (for a trunk: the far participant)
  std::string origin_site;
  std::string room;
  sfu::Kind kind = sfu::Kind::kVideo;
  std::string mid;       // in the publisher's session
  media::TrackId stream = 0;  // in the media plane; 0 while not forwarded
  size_t layers = 1;          // simulcast layers there: streams stream, stream + 1, ...
  std::vector<sdp::Codec> codecs;  // as negotiated with the publisher
};

// A subscription: a publisher track this participant receives, and where it sits in this
// participant's session (mid, the SSRCs it sees).
struct SubscribedTrack {
  std::string track_id;
  std::string publisher_id;
  media::TrackId stream = 0;  // the publisher track in the media plane
  sfu::Kind kind = sfu::Kind::kVideo;
  std::string mid;
  uint32_t ssrc = 0;
  uint32_t rtx_ssrc = 0;
  // A trunk receives every simulcast layer (the far SFU chooses per subscriber): the further
  // layers' SSRC and RTX SSRC, in layer order after the first.
  std::vector<std::pair<uint32_t, uint32_t>> more_layers;
  bool subscribed = false;  // registered with the media plane after negotiation
};

// How a track a participant receives appears in its SDP (msid stream = the publisher).
inline sdp::OutgoingTrack to_sdp_track(const SubscribedTrack& o) {
  sdp::OutgoingTrack t;
  t.mid = o.mid;
  t.kind = o.kind == sfu::Kind::kAudio ? sdp::MediaKind::kAudio : sdp::MediaKind::kVideo;
  t.stream_id = o.publisher_id;
  t.track_id = o.track_id;
  t.ssrc = o.ssrc;
  if (o.rtx_ssrc) t.rtx_ssrc = o.rtx_ssrc;
  t.more_layers = o.more_layers;
  return t;
}

class Participant {
 public:
  uint64_t connection = 0;          // /wsb connection id, 0 for WHIP/WHEP
  SignalChannel* channel = nullptr;  // null for WHIP/WHEP
  SocketAddress address;             // the client's (its /wsb or WHIP/WHEP connection's peer)
  TokenBucket message_budget{0, 0};  // signalling messages it may still send (see Admission)
  bool rate_warned = false;          // told it is over the message rate since its last accepted message
  bool joined = false;
  std::string id;
  std::string room;
  std::string display_name;
  umbrella_Role role = umbrella_Role_ROLE_PARTICIPANT;
  bool may_publish = true;    // from its room access token (server/access.hpp)
  bool may_subscribe = true;
  std::string identity;       // the token's sub, "" in open rooms
  bool audio_muted = false;
  bool video_muted = false;

  std::unique_ptr<Peer> transport;  // its one transport (created with the first description)
  std::vector<PublisherTrack> published;
  std::vector<SubscribedTrack> subscriptions;
  uint32_t revision = 1;        // of the last description exchanged
  bool offer_pending = false;   // we sent an offer and wait for its answer
  bool renegotiate = false;     // tracks changed while an offer was pending
  bool fixed_session = false;   // WHEP: no renegotiation possible

  bool in_room(const std::string& r) const { return joined && room == r; }

  signal::ParticipantFields fields(const std::string& site) const {
    return {id, display_name, audio_muted, video_muted, site, room};
  }
};

}  // namespace umbrella::server
