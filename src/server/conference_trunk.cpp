// SFU-to-SFU trunks inside the conference. The dialling SFU joins the far one as a WebRTC
// client (role TRUNK) and makes every offer: it sends its room's tracks and asks, by global
// track id, for the far room's tracks (SessionDescription.receive). People (roster events)
// cross in both directions as ordinary Participant messages. A track or person that reaches a
// room by a second path (a ring) is ignored by id, and nothing goes back where it came from.
#include "core/log.hpp"
#include "server/conference.hpp"
#include "server/participant.hpp"
#include "signal/codec.hpp"
#include "signal/messages.hpp"
#include "signal/strings.hpp"

namespace umbrella::server {
namespace {
std::unique_ptr<umbrella_Envelope> envelope() { return std::make_unique<umbrella_Envelope>(); }

sfu::Kind kind_of(umbrella_MediaKind k) { return k == umbrella_MediaKind_MEDIA_KIND_AUDIO ? sfu::Kind::kAudio : sfu::Kind::kVideo; }
umbrella_MediaKind to_proto(sfu::Kind k) {
  return k == sfu::Kind::kAudio ? umbrella_MediaKind_MEDIA_KIND_AUDIO : umbrella_MediaKind_MEDIA_KIND_VIDEO;
}
sdp::MediaKind sdp_kind(sfu::Kind k) { return k == sfu::Kind::kAudio ? sdp::MediaKind::kAudio : sdp::MediaKind::kVideo; }
}  // namespace

// Global track ids are unique across rooms and SFUs.
const PublishedTrack* Conference::find_track(const std::string& track_id, const Participant* except) const {
  for (auto& [key, o] : participants_)
    if (o.get() != except && o->joined)
      for (auto& t : o->published)
        if (t.stream && t.track_id == track_id) return &t;
  return nullptr;
}

bool Conference::known_participant(const std::string& id) const {
  for (auto& [key, o] : participants_) {
    if (!o->joined) continue;
    if (!o->is_trunk() && o->id == id) return true;
    for (auto& r : o->remote_participants)
      if (r.id == id) return true;
  }
  return false;
}

uint64_t Conference::open_trunk(SignalChannel* channel) {
  uint64_t key = open(channel);
  Participant& p = *participants_[key];
  p.role = umbrella_Role_ROLE_TRUNK;
  p.dialled = true;
  p.room = "";  // a trunk carries every room
  auto env = envelope();
  signal::reset(*env, umbrella_Envelope_join_tag);
  auto& join = env->body.join;
  signal::copy_string(join.room, p.room);
  signal::copy_string(join.display_name, "trunk " + site_id_);
  join.role = umbrella_Role_ROLE_TRUNK;
  signal::copy_string(join.token, trunk_secret_);
  signal::copy_string(join.site_id, site_id_);
  join.path_count = 1;
  signal::copy_string(join.path[0], site_id_);
  channel->send(*env);
  return key;
}

bool Conference::accept_trunk_join(Participant& p, const umbrella_Join& join) {
  ++counters_.joins;
  std::string far = join.site_id;
  auto refuse = [&](umbrella_Error_Code code, const std::string& why) {
    LOG_WARN("trunk", "refused a trunk from ", far.empty() ? "an unnamed SFU" : far, ": ", why);
    send_error(p, code, why);
    p.channel->close(4003, why);
    return false;
  };
  if (trunk_secret_.empty())
    return refuse(umbrella_Error_Code_CODE_UNAUTHORIZED, "trunks are not accepted here (no UMBRELLA_TRUNK_SECRET set)");
  if (trunk_secret_ != join.token) return refuse(umbrella_Error_Code_CODE_UNAUTHORIZED, "wrong trunk secret");
  if (far.empty()) return refuse(umbrella_Error_Code_CODE_BAD_MESSAGE, "trunk without a site id");
  if (far == site_id_) return refuse(umbrella_Error_Code_CODE_LOOP, "the trunk would link " + site_id_ + " to itself");
  for (pb_size_t i = 0; i < join.path_count; ++i)
    if (site_id_ == join.path[i]) return refuse(umbrella_Error_Code_CODE_LOOP, site_id_ + " is already on this trunk's path");
  // Two SFUs dialling each other: the link dialled by the smaller site id is kept.
  for (auto& [key, o] : participants_) {
    if (o.get() == &p || !o->joined || !o->is_trunk() || o->far_site != far) continue;
    if (!o->dialled || !(far < site_id_)) return refuse(umbrella_Error_Code_CODE_LOOP, "already trunked with " + far);
    LOG_INFO("trunk", "keeping the link ", far, " dialled and dropping ours to it");
    o->channel->close(4003, "already trunked with " + far);
  }
  p.joined = true;
  p.role = umbrella_Role_ROLE_TRUNK;
  p.far_site = far;
  p.room = "";  // a trunk carries every room
  p.id = "trunk-" + far;
  p.display_name = "trunk " + far;
  auto env = envelope();
  signal::make_joined(*env, p.id, p.room, site_id_);
  for (auto& [key, other] : participants_) {
    if (other.get() == &p || !other->joined) continue;
    if (other->is_trunk()) {
      for (auto& r : other->remote_participants)
        if (r.site_id != far) signal::add_participant(env->body.joined, r.fields());
    } else if (other->channel || other->peer) {
      signal::add_participant(env->body.joined, other->fields(site_id_));
    }
  }
  p.channel->send(*env);
  LOG_INFO("trunk", "accepted a trunk from ", far);
  announce_to_trunk(p);
  return true;
}

// Accepting side: tell the dialler which tracks it may ask for (p.available lists what we told).
void Conference::announce_to_trunk(Participant& p) {
  if (!p.joined || !p.channel) return;
  auto env = envelope();
  for (auto it = p.available.begin(); it != p.available.end();) {
    if (find_track(it->track_id, &p)) {
      ++it;
      continue;
    }
    for (auto o = p.outgoing.begin(); o != p.outgoing.end();) {
      if (o->track_id != it->track_id) { ++o; continue; }
      if (o->subscribed && p.peer) router_.remove_subscription(o->stream, p.peer->id());
      o = p.outgoing.erase(o);
    }
    signal::make_track_removed(*env, it->track_id);
    p.channel->send(*env);
    it = p.available.erase(it);
  }
  for (auto& [key, other] : participants_) {
    if (other.get() == &p || !other->joined) continue;
    for (auto& t : other->published) {
      if (!t.stream || t.origin_site == p.far_site) continue;  // never back where it came from
      bool told = false;
      for (auto& a : p.available) told |= a.track_id == t.track_id;
      if (told) continue;
      p.available.push_back({t.track_id, t.owner_id, t.origin_site, t.room, t.kind, ""});
      signal::make_track_added(*env, {t.track_id, to_proto(t.kind), t.owner_id, "", t.owner_id, t.origin_site, t.room});
      p.channel->send(*env);
    }
  }
}

// Dialling side: offer what we send and what we want to receive.
void Conference::trunk_offer(Participant& p) {
  if (!p.joined || !p.channel) return;
  if (p.offer_pending) {
    p.renegotiate = true;
    return;
  }
  p.renegotiate = false;
  bool changed = false;
  for (auto it = p.outgoing.begin(); it != p.outgoing.end();) {
    if (find_track(it->track_id, &p)) {
      ++it;
      continue;
    }
    if (it->subscribed && p.peer) router_.remove_subscription(it->stream, p.peer->id());
    it = p.outgoing.erase(it);
    changed = true;
  }
  for (auto& [key, other] : participants_) {
    if (other.get() == &p || !other->joined) continue;
    for (auto& t : other->published) {
      if (!t.stream || t.origin_site == p.far_site) continue;
      bool have = false;
      for (auto& o : p.outgoing) have |= o.track_id == t.track_id;
      if (have) continue;
      p.outgoing.push_back(output_for(t, "s" + std::to_string(next_mid_++)));
      changed = true;
    }
  }
  for (auto& a : p.available)
    if (a.mid.empty()) {
      a.mid = "r" + std::to_string(next_mid_++);
      changed = true;
    }
  if (!changed) return;
  if (!p.peer) {
    if (p.outgoing.empty() && p.available.empty()) return;  // an offer needs an m-line
    p.peer = std::make_unique<Peer>(media_, next_peer_++, *this);
    by_peer_[p.peer->id()] = &p;
  }
  std::vector<sdp::OutgoingTrack> send;
  for (auto& o : p.outgoing) send.push_back(to_sdp_track(o));
  std::vector<std::pair<std::string, sdp::MediaKind>> receive;
  for (auto& a : p.available) receive.push_back({a.mid, sdp_kind(a.kind)});
  std::string offer = p.peer->client_offer(send, receive);
  auto env = envelope();
  if (offer.empty() ||
      !signal::make_description(*env, umbrella_SessionDescription_Type_TYPE_OFFER, offer, p.revision + 1)) {
    fail_description(p, offer.empty() ? "cannot build a trunk offer (see the peer log line)"
                                      : "trunk offer of " + std::to_string(offer.size()) + " bytes is over the signalling bound");
    return;
  }
  ++p.revision;
  p.offer_pending = true;
  ++counters_.offers_sent;
  auto& d = env->body.description;
  for (auto& a : p.available) {
    if (d.receive_count >= sizeof(d.receive) / sizeof(d.receive[0])) break;
    signal::copy_string(d.receive[d.receive_count].mid, a.mid);
    signal::copy_string(d.receive[d.receive_count].track_id, a.track_id);
    ++d.receive_count;
  }
  p.channel->send(*env);
}

void Conference::apply_trunk_answer(Participant& p, const umbrella_SessionDescription& d, Instant now) {
  if (d.type != umbrella_SessionDescription_Type_TYPE_ANSWER || !p.offer_pending || d.revision != p.revision) {
    ++counters_.unexpected;
    return;
  }
  ++counters_.answers_received;
  p.offer_pending = false;
  if (auto r = p.peer->apply_client_answer(std::string(signal::sdp_of(d)), now); !r) {
    ++counters_.bad_sdp;
    LOG_WARN("trunk", "answer from ", p.far_site, " refused: ", r.error());
    return;
  }
  for (auto& a : p.available) {
    const sdp::NegotiatedMedia* m = p.peer->negotiated().find(a.mid);
    if (!m || m->rejected) continue;
    bool have = false;
    for (auto& t : p.published) have |= t.track_id == a.track_id;
    if (have) continue;
    PublishedTrack t;
    t.track_id = a.track_id;
    t.owner_id = a.owner_id;
    t.origin_site = a.origin_site;
    t.room = a.room;
    t.kind = a.kind;
    t.mid = a.mid;
    t.codecs = m->codecs;
    p.published.push_back(std::move(t));
  }
  publish_tracks(p);
  subscribe_negotiated(p);
  if (p.renegotiate) trunk_offer(p);
}

void Conference::remote_participant_event(Participant& p, const umbrella_Envelope& msg) {
  if (msg.which_body == umbrella_Envelope_participant_left_tag) {
    std::string id = msg.body.participant_left.participant_id;
    for (auto it = p.remote_participants.begin(); it != p.remote_participants.end(); ++it)
      if (it->id == id) {
        std::string room = it->room;
        p.remote_participants.erase(it);
        broadcast(room, msg, &p);
        return;
      }
    return;
  }
  const umbrella_Participant& x = msg.which_body == umbrella_Envelope_participant_joined_tag
                                      ? msg.body.participant_joined.participant
                                      : msg.body.participant_updated.participant;
  if (site_id_ == x.site_id) return;  // our own people, back around a ring
  RemoteParticipant* r = nullptr;
  for (auto& e : p.remote_participants)
    if (e.id == x.participant_id) r = &e;
  if (!r) {
    if (known_participant(x.participant_id)) return;  // already here by another path
    p.remote_participants.push_back({x.participant_id, x.display_name, x.site_id, x.room[0] ? x.room : "default"});
    r = &p.remote_participants.back();
  }
  r->display_name = x.display_name;
  r->audio_muted = x.audio_muted;
  r->video_muted = x.video_muted;
  broadcast(r->room, msg, &p);
}

bool Conference::handle_trunk_message(Participant& p, const umbrella_Envelope& msg, Instant now) {
  switch (msg.which_body) {
    case umbrella_Envelope_participant_joined_tag:
    case umbrella_Envelope_participant_updated_tag:
    case umbrella_Envelope_participant_left_tag:
      if (p.joined) remote_participant_event(p, msg);
      return true;
    default:
      break;
  }
  if (!p.dialled) return false;  // the accepting side handles join, offers and pings as usual
  switch (msg.which_body) {
    case umbrella_Envelope_joined_tag: {
      const auto& j = msg.body.joined;
      p.far_site = j.site_id;
      for (auto& [key, o] : participants_) {  // the far side dialled us too (see accept_trunk_join)
        if (o.get() == &p || !o->joined || !o->is_trunk() || o->far_site != p.far_site) continue;
        if (site_id_ < p.far_site) {
          o->channel->close(4003, "already trunked with " + site_id_);
        } else {
          LOG_INFO("trunk", "already trunked with ", p.far_site, " by its own link");
          p.channel->close(4003, "already trunked with " + p.far_site);
          return true;
        }
      }
      p.joined = true;
      p.id = "trunk-" + p.far_site;
      p.display_name = "trunk " + p.far_site;
      LOG_INFO("trunk", "joined ", p.far_site);
      for (pb_size_t i = 0; i < j.participants_count; ++i) {
        auto env = envelope();
        signal::make_participant_event(*env, umbrella_Envelope_participant_joined_tag,
                                       {j.participants[i].participant_id, j.participants[i].display_name,
                                        j.participants[i].audio_muted, j.participants[i].video_muted,
                                        j.participants[i].site_id, j.participants[i].room});
        remote_participant_event(p, *env);
      }
      // And ours to them (the far side sent its people in Joined; ours go as events).
      auto env = envelope();
      for (auto& [key, other] : participants_) {
        if (other.get() == &p || !other->joined) continue;
        if (other->is_trunk()) {
          for (auto& r : other->remote_participants) {
            if (r.site_id == p.far_site) continue;
            signal::make_participant_event(*env, umbrella_Envelope_participant_joined_tag, r.fields());
            p.channel->send(*env);
          }
        } else if (other->channel || other->peer) {
          signal::make_participant_event(*env, umbrella_Envelope_participant_joined_tag, other->fields(site_id_));
          p.channel->send(*env);
        }
      }
      trunk_offer(p);
      return true;
    }
    case umbrella_Envelope_track_added_tag: {
      const auto& t = msg.body.track_added.track;
      if (site_id_ == t.origin_site || find_track(t.track_id, &p)) return true;
      for (auto& a : p.available)
        if (a.track_id == t.track_id) return true;
      p.available.push_back({t.track_id, t.participant_id, t.origin_site, t.room[0] ? t.room : "default",
                             kind_of(t.kind), ""});
      trunk_offer(p);
      return true;
    }
    case umbrella_Envelope_track_removed_tag: {
      std::string id = msg.body.track_removed.track_id;
      std::erase_if(p.available, [&](const AvailableTrack& a) { return a.track_id == id; });
      for (auto it = p.published.begin(); it != p.published.end(); ++it) {
        if (it->track_id != id) continue;
        std::string room = it->room;
        if (it->stream) {
          router_.remove_stream(it->stream);
          auto env = envelope();
          signal::make_track_removed(*env, id);
          broadcast(room, *env, &p);
        }
        p.published.erase(it);
        renegotiate_room(room, &p);
        break;
      }
      return true;
    }
    case umbrella_Envelope_description_tag:
      apply_trunk_answer(p, msg.body.description, now);
      return true;
    case umbrella_Envelope_error_tag:
      LOG_WARN("trunk", "the far SFU refused the trunk: ", msg.body.error.message);
      p.channel->close(4003, msg.body.error.message);
      return true;
    case umbrella_Envelope_pong_tag:
      return true;
    default:
      return false;
  }
}

}  // namespace umbrella::server
