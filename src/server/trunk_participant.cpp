// A trunk's signalling: joining (either side), the two rosters, and the far side's messages.
// Its media (offers, answers, tracks): trunk_media.cpp.
#include "server/trunk_participant.hpp"

#include "core/log.hpp"
#include "sdp/text.hpp"
#include "server/direct_trunk.hpp"
#include "server/trunk_hub.hpp"
#include "signal/codec.hpp"
#include "signal/messages.hpp"
#include "signal/strings.hpp"

namespace umbrella::server {
namespace {
sfu::Kind kind_of(umbrella_MediaKind k) { return k == umbrella_MediaKind_MEDIA_KIND_AUDIO ? sfu::Kind::kAudio : sfu::Kind::kVideo; }
}  // namespace

TrunkParticipant::TrunkParticipant(Rooms& rooms, TrunkHub& hub, uint64_t key, SignalChannel* channel, bool dialled,
                                   DirectTrunk* direct)
    : rooms_(rooms),
      hub_(hub),
      dialled_(dialled),
      auth_(dialled ? Auth::kAwaitChallenge : Auth::kChallenged),
      direct_(direct) {
  p_.connection = key;
  p_.channel = channel;
  p_.role = umbrella_Role_ROLE_TRUNK;
  p_.room = "";  // a trunk carries every room
  rooms_.add_member(*this);
}

TrunkParticipant::~TrunkParticipant() {
  if (direct_) direct_->trunk_gone();
  rooms_.data_relay().remove_trunk(this);
  rooms_.remove_member(*this);
  p_.transport.reset();
}

void TrunkParticipant::close(const std::string& why) {
  if (closing_ || !p_.channel) return;
  closing_ = true;
  p_.channel->close(4003, why);
}

void TrunkParticipant::send_error(umbrella_Error_Code code, std::string_view message) {
  if (!p_.channel) return;
  auto env = signal::new_envelope();
  signal::make_error(*env, code, message);
  p_.channel->send(*env);
}

void TrunkParticipant::send_join() {
  const std::string& site = rooms_.site_id();
  auto env = signal::new_envelope();
  signal::reset(*env, umbrella_Envelope_join_tag);
  auto& join = env->body.join;
  signal::copy_string(join.room, p_.room);
  signal::copy_string(join.display_name, "trunk " + site);
  join.role = umbrella_Role_ROLE_TRUNK;
  signal::copy_string(join.site_id, site);
  join.path_count = 1;
  signal::copy_string(join.path[0], site);
  p_.channel->send(*env);
}

void TrunkParticipant::start_direct(const std::string& far_site, bool preferred) {
  auth_ = Auth::kDone;
  far_site_ = far_site;
  p_.joined = true;
  p_.id = "direct-" + far_site_;
  p_.display_name = "direct trunk " + far_site_;
  prefer_ = preferred;
  ensure_peer();
  p_.transport->use_transport(direct_->transport());
  direct_->attach(p_.transport.get());
  if (dialled_) offer();
  else announce();
}

void TrunkParticipant::refuse(umbrella_Error_Code code, const std::string& why, Instant now, bool log) {
  if (log) hub_.log_failure(from_, far_site_.empty() ? "an unnamed SFU" : far_site_, "was refused: " + why, now);
  auth_ = Auth::kRefused;
  send_error(code, why);
  close(why);
}

TrunkHandshake TrunkParticipant::handshake() const {
  const std::string& site = rooms_.site_id();
  return {Bytes(challenge_.data(), challenge_.size()), Bytes(response_.data(), response_.size()),
          dialled_ ? site : far_site_, dialled_ ? far_site_ : site};
}

void TrunkParticipant::accept(const umbrella_Join& join, const SocketAddress& from, Instant now) {
  ++rooms_.signal_counters().joins;
  const std::string& site = rooms_.site_id();
  far_site_ = join.site_id;
  from_ = from;
  if (hub_.secret().empty())
    return refuse(umbrella_Error_Code_CODE_UNAUTHORIZED, "trunks are not accepted here (no UMBRELLA_TRUNK_SECRET set)", now);
  if (far_site_.empty()) return refuse(umbrella_Error_Code_CODE_BAD_MESSAGE, "trunk without a site id", now);
  if (far_site_ == site) return refuse(umbrella_Error_Code_CODE_LOOP, "the trunk would link " + site + " to itself", now);
  for (pb_size_t i = 0; i < join.path_count; ++i)
    if (site == join.path[i]) return refuse(umbrella_Error_Code_CODE_LOOP, site + " is already on this trunk's path", now);
  if (hub_.throttled(from_, now)) {
    auth_ = Auth::kRefused;
    ++rooms_.signal_counters().trunk_auth_throttled;
    hub_.log_failure(from_, far_site_, "is over its failed trunk handshakes a minute", now);
    hub_.refuse_later(key(), umbrella_Error_Code_CODE_UNAUTHORIZED,
                      "too many failed trunk handshakes from this address; try again in a minute", now);
    return;
  }
  challenge_ = trunk_nonce();
  auth_ = Auth::kChallenged;
  hub_.refuse_at(key(), umbrella_Error_Code_CODE_UNAUTHORIZED, "no answer to the trunk challenge",
                 now + TrunkHub::kHandshakeTimeout);
  auto env = signal::new_envelope();
  signal::reset(*env, umbrella_Envelope_trunk_challenge_tag);
  auto& c = env->body.trunk_challenge;
  c.nonce.size = pb_size_t(challenge_.size());
  std::copy(challenge_.begin(), challenge_.end(), c.nonce.bytes);
  signal::copy_string(c.site_id, site);
  p_.channel->send(*env);
}

void TrunkParticipant::on_response(const umbrella_TrunkResponse& r, Instant now) {
  const std::string& site = rooms_.site_id();
  bool ok = r.nonce.size == response_.size();
  if (ok) std::copy(r.nonce.bytes, r.nonce.bytes + r.nonce.size, response_.begin());
  if (!ok || !trunk_mac_ok(hub_.secret(), TrunkSide::kDialler, handshake(), Bytes(r.mac.bytes, r.mac.size))) {
    auth_ = Auth::kRefused;
    hub_.auth_failed(key(), from_, far_site_, now);  // answered after a delay
    return;
  }
  auth_ = Auth::kDone;
  hub_.cancel_refusal(key());
  // Two SFUs dialling each other: the link dialled by the smaller site id is kept.
  if (TrunkParticipant* o = hub_.linked_to(far_site_, this)) {
    if (!o->dialled() || !(far_site_ < site)) return refuse(umbrella_Error_Code_CODE_LOOP, "already trunked with " + far_site_, now);
    LOG_INFO("trunk", "keeping the link ", far_site_, " dialled and dropping ours to it");
    o->close("already trunked with " + far_site_);
  }
  p_.joined = true;
  p_.id = "trunk-" + far_site_;
  p_.display_name = "trunk " + far_site_;
  auto env = signal::new_envelope();
  signal::make_joined(*env, p_.id, p_.room, site);
  TrunkMac proof = trunk_mac(hub_.secret(), TrunkSide::kAcceptor, handshake());
  env->body.joined.trunk_proof.size = pb_size_t(proof.size());
  std::copy(proof.begin(), proof.end(), env->body.joined.trunk_proof.bytes);
  rooms_.for_each_person(this, [&](const signal::ParticipantFields& f) {
    if (f.site_id != far_site_) signal::add_participant(env->body.joined, f);
  });
  p_.channel->send(*env);
  LOG_INFO("trunk", "accepted a trunk from ", far_site_, " (", from_.ip_string(), ")");
  announce();
  hub_.site_joined(*this);
}

void TrunkParticipant::on_challenge(const umbrella_TrunkChallenge& c) {
  const std::string& site = rooms_.site_id();
  if (c.nonce.size != challenge_.size() || c.site_id[0] == 0 || site == c.site_id) {
    LOG_WARN("trunk", "the far SFU sent an unusable challenge; closing the trunk");
    close(c.site_id[0] && site == c.site_id ? "the trunk would link " + site + " to itself"
                                             : std::string("unusable trunk challenge"));
    return;
  }
  far_site_ = c.site_id;
  std::copy(c.nonce.bytes, c.nonce.bytes + c.nonce.size, challenge_.begin());
  response_ = trunk_nonce();
  TrunkMac mac = trunk_mac(hub_.secret(), TrunkSide::kDialler, handshake());
  auto env = signal::new_envelope();
  signal::reset(*env, umbrella_Envelope_trunk_response_tag);
  auto& r = env->body.trunk_response;
  r.mac.size = pb_size_t(mac.size());
  std::copy(mac.begin(), mac.end(), r.mac.bytes);
  r.nonce.size = pb_size_t(response_.size());
  std::copy(response_.begin(), response_.end(), r.nonce.bytes);
  auth_ = Auth::kAwaitJoined;
  p_.channel->send(*env);
}

void TrunkParticipant::on_joined(const umbrella_Joined& j) {
  const std::string& site = rooms_.site_id();
  // Nothing the far side says counts before it proves it knows the secret, for this handshake.
  if (far_site_ != j.site_id ||
      !trunk_mac_ok(hub_.secret(), TrunkSide::kAcceptor, handshake(), Bytes(j.trunk_proof.bytes, j.trunk_proof.size))) {
    ++rooms_.signal_counters().trunk_auth_failed;
    LOG_WARN("trunk", "the far SFU ", far_site_, " did not prove it knows the trunk secret; closing the trunk");
    close("the far SFU did not prove it knows the trunk secret");
    return;
  }
  auth_ = Auth::kDone;
  if (TrunkParticipant* o = hub_.linked_to(far_site_, this)) {  // the far side dialled us too
    if (site < far_site_) {
      o->close("already trunked with " + site);
    } else {
      LOG_INFO("trunk", "already trunked with ", far_site_, " by its own link");
      close("already trunked with " + far_site_);
      return;
    }
  }
  p_.joined = true;
  p_.id = "trunk-" + far_site_;
  p_.display_name = "trunk " + far_site_;
  LOG_INFO("trunk", "joined ", far_site_);
  for (pb_size_t i = 0; i < j.participants_count; ++i) {
    auto env = signal::new_envelope();
    const auto& x = j.participants[i];
    signal::make_participant_event(*env, umbrella_Envelope_participant_joined_tag,
                                   {x.participant_id, x.display_name, x.audio_muted, x.video_muted, x.site_id, x.room});
    remote_participant_event(*env);
  }
  hub_.site_joined(*this);
  // And ours to them (the far side sent its people in Joined; ours go as events).
  auto env = signal::new_envelope();
  rooms_.for_each_person(this, [&](const signal::ParticipantFields& f) {
    if (f.site_id == far_site_) return;
    signal::make_participant_event(*env, umbrella_Envelope_participant_joined_tag, f);
    p_.channel->send(*env);
  });
  offer();
}

void TrunkParticipant::for_each_person(const PersonFn& fn) const {
  if (!p_.joined) return;
  for (auto& r : remote_participants_) fn(r.fields());
}

void TrunkParticipant::on_people_event(const std::string& room, const umbrella_Envelope& event) {
  (void)room;  // a trunk is in every room
  if (p_.joined && p_.channel && !direct_) p_.channel->send(event);  // people cross by the cloud only
}

void TrunkParticipant::remote_participant_event(const umbrella_Envelope& msg) {
  if (direct_) {
    ++rooms_.signal_counters().unexpected;
    return;
  }
  if (msg.which_body == umbrella_Envelope_participant_left_tag) {
    std::string id = msg.body.participant_left.participant_id;
    for (auto it = remote_participants_.begin(); it != remote_participants_.end(); ++it)
      if (it->id == id) {
        std::string room = it->room;
        remote_participants_.erase(it);
        rooms_.people_event(room, msg, this);
        hub_.site_rooms_changed(*this);
        return;
      }
    return;
  }
  const umbrella_Participant& x = msg.which_body == umbrella_Envelope_participant_joined_tag
                                      ? msg.body.participant_joined.participant
                                      : msg.body.participant_updated.participant;
  if (rooms_.site_id() == x.site_id) return;  // our own people, back around a ring
  RemoteParticipant* r = nullptr;
  for (auto& e : remote_participants_)
    if (e.id == x.participant_id) r = &e;
  if (!r) {
    if (rooms_.knows_person(x.participant_id)) return;  // already here by another path
    if (remote_participants_.size() >= kMaxRemotePeople) return refuse_far("person");
    remote_participants_.push_back({x.participant_id, x.display_name, x.site_id, x.room[0] ? x.room : "default"});
    r = &remote_participants_.back();
  }
  r->display_name = x.display_name;
  r->audio_muted = x.audio_muted;
  r->video_muted = x.video_muted;
  rooms_.people_event(r->room, msg, this);
  hub_.site_rooms_changed(*this);
}

std::set<std::string> TrunkParticipant::own_rooms() const {
  std::set<std::string> rooms;
  for (auto& r : remote_participants_)
    if (r.site_id == far_site_) rooms.insert(r.room);
  return rooms;
}

std::optional<SocketAddress> TrunkParticipant::media_address() const {
  return p_.transport && p_.transport->connected() ? p_.transport->remote_address() : std::nullopt;
}

void TrunkParticipant::on_track_added(const umbrella_TrackInfo& t) {
  // Its ids go into every local session's SDP (a=msid): one that is not an SDP token would
  // make every offer in the room unbuildable and close those sessions.
  if (!sdp::detail::is_token(t.track_id) || !sdp::detail::is_token(t.participant_id)) {
    ++rooms_.signal_counters().unexpected;
    LOG_WARN("trunk", "ignored a track from ", far_site_, " without a valid track or participant id");
    return;
  }
  if (direct_) {
    // Only the peer's own tracks, whether or not another path brought them in first.
    if (t.origin_site != far_site_) {
      ++rooms_.signal_counters().unexpected;
      return;
    }
  } else if (rooms_.site_id() == t.origin_site || rooms_.find_track(t.track_id, this)) {
    return;
  }
  for (auto& a : far_tracks_)
    if (a.track_id == t.track_id) return;
  if (far_tracks_.size() >= kMaxFarTracks) return refuse_far("track");
  far_tracks_.push_back({t.track_id, t.participant_id, t.origin_site, t.room[0] ? t.room : "default", kind_of(t.kind), ""});
  offer();
}

void TrunkParticipant::refuse_far(const char* what) {
  // Counted every time, logged once per trunk.
  ++rooms_.signal_counters().trunk_refused;
  if (!refused_logged_) {
    refused_logged_ = true;
    LOG_WARN("trunk", far_site_, " announced more than it may (a ", what, " over ", kMaxFarTracks, " tracks or ",
             kMaxRemotePeople, " people); ignoring the excess");
  }
}

void TrunkParticipant::on_track_removed(const std::string& id) {
  std::erase_if(far_tracks_, [&](const FarTrack& a) { return a.track_id == id; });
  for (auto it = p_.published.begin(); it != p_.published.end(); ++it)
    if (it->track_id == id) {
      unpublish(it);
      return;
    }
}

void TrunkParticipant::on_message(const umbrella_Envelope& msg, Instant now) {
  if (auth_ == Auth::kRefused) return;  // the refusal is on its way
  if (auth_ == Auth::kChallenged) {
    if (msg.which_body == umbrella_Envelope_trunk_response_tag) return on_response(msg.body.trunk_response, now);
    return refuse(umbrella_Error_Code_CODE_BAD_MESSAGE, std::string("expected trunk_response, not ") + signal::body_name(msg), now);
  }
  switch (msg.which_body) {
    case umbrella_Envelope_participant_joined_tag:
    case umbrella_Envelope_participant_updated_tag:
    case umbrella_Envelope_participant_left_tag:
      if (p_.joined) remote_participant_event(msg);
      return;
    case umbrella_Envelope_ping_tag: {
      auto env = signal::new_envelope();
      signal::make_pong(*env, msg.body.ping.nonce);
      p_.channel->send(*env);
      return;
    }
    case umbrella_Envelope_pong_tag:
      return;
    case umbrella_Envelope_leave_tag:
      leave();
      return;
    case umbrella_Envelope_trunk_wants_tag:
      if (p_.joined) return on_wants(msg.body.trunk_wants);
      break;
    case umbrella_Envelope_site_introduction_tag:
    case umbrella_Envelope_site_signal_tag:
      if (p_.joined && !direct_) return hub_.on_site_message(*this, msg, now);
      break;
    default:
      break;
  }
  if (dialled_) {
    switch (msg.which_body) {
      case umbrella_Envelope_trunk_challenge_tag:
        if (auth_ == Auth::kAwaitChallenge) on_challenge(msg.body.trunk_challenge);
        else ++rooms_.signal_counters().unexpected;
        return;
      case umbrella_Envelope_joined_tag:
        if (auth_ == Auth::kAwaitJoined && !p_.joined) on_joined(msg.body.joined);
        else ++rooms_.signal_counters().unexpected;
        return;
      case umbrella_Envelope_track_added_tag:
        if (p_.joined) on_track_added(msg.body.track_added.track);
        return;
      case umbrella_Envelope_track_removed_tag:
        on_track_removed(msg.body.track_removed.track_id);
        return;
      case umbrella_Envelope_description_tag:
        apply_answer(msg.body.description, now);
        return;
      case umbrella_Envelope_error_tag:
        LOG_WARN("trunk", "the far SFU refused the trunk: ", msg.body.error.message);
        close(msg.body.error.message);
        return;
      default:
        break;
    }
  } else if (msg.which_body == umbrella_Envelope_description_tag && p_.joined &&
             msg.body.description.type == umbrella_SessionDescription_Type_TYPE_OFFER) {
    handle_offer(msg.body.description, now);
    return;
  }
  ++rooms_.signal_counters().unexpected;
  send_error(umbrella_Error_Code_CODE_BAD_MESSAGE, std::string("unexpected message ") + signal::body_name(msg) +
                                                       " on a trunk");
}

void TrunkParticipant::leave() {
  if (!p_.joined) return;
  ++rooms_.signal_counters().leaves;
  give_back_all();  // before our transport leaves the media plane with the streams it feeds
  p_.joined = false;
  while (!p_.published.empty()) unpublish(p_.published.end() - 1);
  rooms_.data_relay().remove_trunk(this);
  data_channel_.reset();
  p_.transport.reset();  // leaves the media plane with its subscriptions
  p_.subscriptions.clear();
  auto env = signal::new_envelope();
  for (auto& r : remote_participants_) {
    signal::make_participant_left(*env, r.id);
    rooms_.people_event(r.room, *env, this);
  }
  remote_participants_.clear();
  far_tracks_.clear();
  wants_ = {};
  hub_.site_gone(key());
  LOG_INFO("signal", "trunk ", p_.id, " left");
}

void TrunkParticipant::on_transport_connected(media::TransportId, Instant) { subscribe_negotiated(); }

void TrunkParticipant::on_transport_closed(media::TransportId, const std::string& reason) {
  LOG_INFO("sfu", "trunk ", p_.id, " media ended: ", reason);
  close("media transport closed: " + reason);  // the channel's close comes back from the loop
}

}  // namespace umbrella::server
