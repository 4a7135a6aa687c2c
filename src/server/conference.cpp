#include "server/conference.hpp"

#include <memory>

#include "core/log.hpp"
#include "rtp/ntp.hpp"
#include "server/participant.hpp"
#include "signal/codec.hpp"
#include "signal/messages.hpp"

namespace umbrella::server {
namespace {
// Envelopes are large (a bounded SDP inside): keep them off the stack.
std::unique_ptr<umbrella_Envelope> envelope() { return std::make_unique<umbrella_Envelope>(); }
}  // namespace

Conference::Conference(std::string site_id, MediaContext& media, std::string trunk_secret)
    : site_id_(std::move(site_id)), trunk_secret_(std::move(trunk_secret)), media_(media), router_(*this) {
  // Sender reports carry wall-clock NTP time: anchor the loop's monotonic clock to it once.
  router_.set_ntp_clock(rtp::NtpClock(media_.loop.now(), std::chrono::duration_cast<Duration>(
                                                             std::chrono::system_clock::now().time_since_epoch())));
}

Conference::~Conference() {
  if (router_timer_) media_.loop.cancel(router_timer_);
  // Peers unregister from the port as they go; no signalling is sent while shutting down.
  participants_.clear();
}

Participant& Conference::create_participant(uint64_t connection, SignalChannel* channel) {
  auto p = std::make_unique<Participant>();
  p->connection = connection;
  p->channel = channel;
  Participant& ref = *p;
  participants_.emplace(connection, std::move(p));
  return ref;
}

Participant& Conference::create_http_participant(const std::string& room, const char* kind) {
  Participant& p = create_participant(next_connection_++, nullptr);
  p.joined = true;
  p.room = room.empty() ? "default" : room;
  p.id = new_participant_id();
  p.display_name = std::string(kind) + " " + p.id;
  return p;
}

// Unique across trunked SFUs too: the site is part of the id (msid-safe characters only).
std::string Conference::new_participant_id() { return "p" + std::to_string(next_participant_++) + "." + site_id_; }

uint64_t Conference::open(SignalChannel* channel) {
  uint64_t id = next_connection_++;
  create_participant(id, channel);
  return id;
}

void Conference::on_closed(uint64_t connection) {
  auto it = participants_.find(connection);
  if (it == participants_.end()) return;
  it->second->channel = nullptr;
  remove_participant(*it->second);
}

void Conference::remove_participant(Participant& p) {
  handle_leave(p);
  participants_.erase(p.connection);
}

void Conference::send_trunks(Participant& p) {
  std::vector<signal::TrunkSnapshot> trunks;
  if (trunk_control_) trunk_control_->describe(trunks);
  auto env = envelope();
  auto& list = signal::make_trunks(*env);
  for (auto& t : trunks) signal::add_trunk(list, t.url, t.state, t.last_error, t.peer_site_id);
  p.channel->send(*env);
}

void Conference::send_error(Participant& p, umbrella_Error_Code code, std::string_view message) {
  if (!p.channel) return;
  auto env = envelope();
  signal::make_error(*env, code, message);
  p.channel->send(*env);
}

void Conference::fail_description(Participant& p, const std::string& why) {
  ++counters_.description_failed;
  LOG_WARN("signal", "participant ", p.id, ": ", why, "; closing its session");
  p.offer_pending = false;
  p.renegotiate = false;
  send_error(p, umbrella_Error_Code_CODE_INTERNAL, why);
  // Closed from the loop: this may run inside a loop over participants_.
  uint64_t connection = p.connection;
  media_.loop.schedule(media_.loop.now(), [this, connection] {
    auto it = participants_.find(connection);
    if (it != participants_.end() && it->second->channel)
      it->second->channel->close(4000, "session description failed");
  });
}

void Conference::on_message(uint64_t connection, Bytes frame, Instant now) {
  auto it = participants_.find(connection);
  if (it == participants_.end()) return;
  Participant& p = *it->second;
  ++counters_.messages;
  auto msg = envelope();
  auto decoded = signal::decode(frame, *msg);
  if (!decoded) {
    ++counters_.malformed;
    send_error(p, umbrella_Error_Code_CODE_BAD_MESSAGE, std::string("cannot decode message: ") + decoded.error().reason);
    return;
  }
  if (p.is_trunk() && handle_trunk_message(p, *msg, now)) return;
  switch (msg->which_body) {
    case umbrella_Envelope_join_tag:
      if (p.joined) break;
      if (msg->body.join.role == umbrella_Role_ROLE_TRUNK) {
        accept_trunk_join(p, msg->body.join);
        return;
      }
      handle_join(p, msg->body.join);
      return;
    case umbrella_Envelope_ping_tag: {
      auto env = envelope();
      signal::make_pong(*env, msg->body.ping.nonce);
      p.channel->send(*env);
      return;
    }
    case umbrella_Envelope_leave_tag:
      handle_leave(p);
      return;
    case umbrella_Envelope_set_mute_tag: {
      if (!p.joined) break;
      p.audio_muted = msg->body.set_mute.audio_muted;
      p.video_muted = msg->body.set_mute.video_muted;
      auto env = envelope();
      signal::make_participant_event(*env, umbrella_Envelope_participant_updated_tag, p.fields(site_id_));
      broadcast(p.room, *env, nullptr);
      return;
    }
    case umbrella_Envelope_description_tag:
      if (!p.joined) break;
      handle_description(p, msg->body.description, now);
      return;
    case umbrella_Envelope_get_trunks_tag:
      send_trunks(p);
      return;
    case umbrella_Envelope_set_trunks_tag: {
      if (!trunk_control_) break;
      std::vector<std::string> urls;
      for (pb_size_t i = 0; i < msg->body.set_trunks.urls_count; ++i) urls.push_back(msg->body.set_trunks.urls[i]);
      LOG_INFO("trunk", "trunks set from the /trunk page: ", urls.empty() ? "(none)" : urls.front());
      trunk_control_->set_urls(urls);
      send_trunks(p);
      return;
    }
    default:
      break;
  }
  ++counters_.unexpected;
  send_error(p, umbrella_Error_Code_CODE_BAD_MESSAGE,
             std::string("unexpected message ") + signal::body_name(*msg) + (p.joined ? "" : " before join"));
}

void Conference::handle_join(Participant& p, const umbrella_Join& join) {
  ++counters_.joins;
  p.joined = true;
  p.room = join.room[0] ? join.room : "default";
  p.display_name = join.display_name;
  p.role = join.role;
  p.id = new_participant_id();
  auto env = envelope();
  signal::make_joined(*env, p.id, p.room, site_id_);
  for (auto& [key, other] : participants_) {
    if (other.get() == &p || !other->in_room(p.room)) continue;
    if (other->is_trunk()) {
      for (auto& r : other->remote_participants)
        if (r.room == p.room) signal::add_participant(env->body.joined, r.fields());
    } else if (other->channel) {
      signal::add_participant(env->body.joined, other->fields(site_id_));
    }
  }
  p.channel->send(*env);
  signal::make_participant_event(*env, umbrella_Envelope_participant_joined_tag, p.fields(site_id_));
  broadcast(p.room, *env, &p);
  LOG_INFO("signal", "participant ", p.id, " (", p.display_name, ") joined room ", p.room);
}

void Conference::handle_leave(Participant& p) {
  if (!p.joined) return;
  ++counters_.leaves;
  p.joined = false;
  unpublish_tracks(p);
  if (p.peer) {
    router_.remove_transport(p.peer->id());
    by_peer_.erase(p.peer->id());
    p.peer.reset();
  }
  p.outgoing.clear();
  auto env = envelope();
  if (p.is_trunk()) {
    for (auto& r : p.remote_participants) {
      signal::make_participant_left(*env, r.id);
      broadcast(r.room, *env, &p);
    }
    p.remote_participants.clear();
    p.available.clear();
  } else {
    signal::make_participant_left(*env, p.id);
    broadcast(p.room, *env, &p);
  }
  if (p.is_trunk()) {
    for (auto& [key, other] : participants_)  // a trunk was in every room
      if (other.get() != &p && other->joined) renegotiate(*other);
  } else {
    renegotiate_room(p.room, &p);
  }
  LOG_INFO("signal", "participant ", p.id, " left room ", p.room);
}

void Conference::handle_description(Participant& p, const umbrella_SessionDescription& d, Instant now) {
  if (d.type == umbrella_SessionDescription_Type_TYPE_OFFER) {
    std::vector<MidRequest> receive;
    if (p.is_trunk())
      for (pb_size_t i = 0; i < d.receive_count; ++i) receive.push_back({d.receive[i].mid, d.receive[i].track_id});
    auto answer = accept_offer(p, std::string(signal::sdp_of(d)), now, receive);
    if (!answer) {
      ++counters_.bad_sdp;
      send_error(p, umbrella_Error_Code_CODE_BAD_SDP, answer.error());
      return;
    }
    p.revision = d.revision;
    auto env = envelope();
    if (!signal::make_description(*env, umbrella_SessionDescription_Type_TYPE_ANSWER, *answer, d.revision)) {
      fail_description(p, "answer of " + std::to_string(answer->size()) + " bytes is over the signalling bound");
      return;
    }
    p.channel->send(*env);
    publish_tracks(p);
    if (p.is_trunk()) {
      subscribe_negotiated(p);  // the trunk's answer is final: what it asked for flows now
      return;
    }
    // Anything already in the room reaches the newcomer by a server offer.
    renegotiate(p);
    return;
  }
  if (p.dialled) {
    apply_trunk_answer(p, d, now);
    return;
  }
  // An answer to our offer.
  if (!p.offer_pending || d.revision != p.revision || !p.peer) {
    ++counters_.unexpected;
    return;  // stale answer
  }
  ++counters_.answers_received;
  p.offer_pending = false;
  if (auto r = p.peer->apply_answer(std::string(signal::sdp_of(d))); !r) {
    ++counters_.bad_sdp;
    send_error(p, umbrella_Error_Code_CODE_BAD_SDP, r.error());
    return;
  }
  subscribe_negotiated(p);
  if (p.renegotiate) renegotiate(p);
}

void Conference::broadcast(const std::string& room, const umbrella_Envelope& env, const Participant* except) {
  // Trunks learn about tracks through their own announcements and offers, not room events.
  bool track_event = env.which_body == umbrella_Envelope_track_added_tag ||
                     env.which_body == umbrella_Envelope_track_removed_tag;
  for (auto& [key, other] : participants_)
    if (other.get() != except && other->in_room(room) && other->channel &&
        !(track_event && other->is_trunk()))
      other->channel->send(env);
}

Result<Conference::HttpSession, std::string> Conference::whip(const std::string& room, const std::string& offer,
                                                              Instant now) {
  Participant& p = create_http_participant(room, "WHIP");
  uint64_t key = p.connection;
  auto answer = accept_offer(p, offer, now);
  if (!answer) {
    ++counters_.bad_sdp;
    participants_.erase(key);
    return Err{answer.error()};
  }
  // The person first, then their tracks: a trunk places tracks in their owner's room.
  auto env = envelope();
  signal::make_participant_event(*env, umbrella_Envelope_participant_joined_tag, p.fields(site_id_));
  broadcast(p.room, *env, &p);
  publish_tracks(p);
  std::string resource = "whip-" + p.id;
  http_resources_[resource] = key;
  LOG_INFO("whip", "publisher ", p.id, " in room ", p.room);
  return HttpSession{resource, *answer};
}

bool Conference::end_http_session(const std::string& resource) {
  auto it = http_resources_.find(resource);
  if (it == http_resources_.end()) return false;
  auto p = participants_.find(it->second);
  http_resources_.erase(it);
  if (p != participants_.end()) remove_participant(*p->second);
  return true;
}

// Bits per second since the previous snapshot that saw this counter (status polls, ~1 s).
uint64_t Conference::bitrate(const std::string& key, uint64_t bytes, Instant now,
                             std::unordered_map<std::string, RateSample>& next) const {
  RateSample sample{bytes, now, 0};
  if (auto it = rate_samples_.find(key); it != rate_samples_.end()) {
    Duration dt = now - it->second.at;
    sample.bps = it->second.bps;
    if (dt >= milliseconds(200) && bytes >= it->second.bytes) {
      sample.bps = uint64_t(double(bytes - it->second.bytes) * 8e9 / double(dt.count()));
    } else {
      sample = it->second;  // too soon: keep the older reference point
    }
  }
  next[key] = sample;
  return sample.bps;
}

void Conference::snapshot(signal::StatusSnapshot& out) const {
  Instant now = media_.loop.now();
  std::unordered_map<std::string, RateSample> next;
  for (auto& [key, p] : participants_) {
    if (!p->joined) continue;
    signal::ClientSnapshot c;
    c.participant_id = p->id;
    c.display_name = p->display_name;
    c.room = p->room;
    Peer* t = p->peer.get();
    c.ice_state = t ? t->ice_state() : "new";
    c.dtls_state = t ? t->dtls_state() : "new";
    if (t && t->remote_address()) c.address = t->remote_address()->to_string();
    for (auto& track : p->published) {
      if (!track.stream) continue;  // not forwarded (e.g. a duplicate that came round a ring)
      signal::TrackStats s;
      s.track_id = track.track_id;
      s.kind = track.kind == sfu::Kind::kAudio ? umbrella_MediaKind_MEDIA_KIND_AUDIO : umbrella_MediaKind_MEDIA_KIND_VIDEO;
      s.ssrc = router_.stream_ssrc(track.stream);
      if (auto* sc = router_.stream_counters(track.stream)) {
        s.packets = sc->packets;
        s.bytes = sc->bytes;
        s.packets_lost = sc->lost;
        s.nacks = sc->nacks_sent;
        s.plis = sc->plis_sent;
        s.bitrate_bps = bitrate("in " + track.track_id, sc->bytes, now, next);
      }
      c.published.push_back(std::move(s));
    }
    for (auto& o : p->outgoing) {
      if (!o.subscribed || !p->peer) continue;
      signal::TrackStats s;
      s.track_id = o.track_id;
      s.kind = o.kind == sfu::Kind::kAudio ? umbrella_MediaKind_MEDIA_KIND_AUDIO : umbrella_MediaKind_MEDIA_KIND_VIDEO;
      s.ssrc = o.ssrc;
      if (auto* sc = router_.subscription_counters(o.stream, p->peer->id())) {
        s.packets = sc->packets;
        s.bytes = sc->bytes;
        s.nacks = sc->nacks_received;
        s.plis = sc->plis_received;
        s.bitrate_bps = bitrate("out " + p->id + " " + o.track_id, sc->bytes, now, next);
      }
      c.forwarded.push_back(std::move(s));
    }
    out.clients.push_back(std::move(c));
  }
  rate_samples_ = std::move(next);
}

}  // namespace umbrella::server
