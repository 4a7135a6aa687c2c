// Rooms: signalling of local participants (join, leave, mute, descriptions), WHIP sessions,
// and what the rooms show to members (trunks) and to /status.json.
#include "server/conference.hpp"

#include <memory>
#include <utility>

#include "auth/jwt.hpp"
#include "ice/credentials.hpp"
#include "core/log.hpp"
#include "server/participant.hpp"
#include "signal/codec.hpp"
#include "signal/messages.hpp"
#include "stun/hmac_sha1.hpp"
#include "tls/random.hpp"

namespace umbrella::server {
namespace {
// Envelopes are large (a bounded SDP inside): keep them off the stack.
Bytes as_bytes(std::string_view s) { return Bytes(reinterpret_cast<const uint8_t*>(s.data()), s.size()); }
// Without an Access: rooms open, no administrator.
const Access kNoAccess("", "");
}  // namespace

Conference::Conference(std::string site_id, MediaContext& media, AdmissionLimits limits)
    : site_id_(std::move(site_id)),
      media_(media),
      admission_(limits),
      data_relay_(*this, site_id_, uint32_t(ice::random_u64())) {
  media_.plane.set_pause_listener(
      [this](media::TransportId t, bool paused, int64_t bps) { on_video_paused(t, paused, bps); });
}

Conference::~Conference() {
  if (speakers_timer_) media_.loop.cancel(speakers_timer_);
  media_.plane.set_pause_listener(nullptr);
  // Peers leave the media plane and the port as they go; no signalling is sent while shutting down.
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

Participant& Conference::create_http_participant(const std::string& room, const char* kind, const RoomGrant& grant) {
  Participant& p = create_participant(next_connection_++, nullptr);
  p.joined = true;
  p.room = room.empty() ? "default" : room;
  p.id = new_participant_id();
  p.display_name = grant.name.empty() ? std::string(kind) + " " + p.id : grant.name;
  p.identity = grant.identity;
  p.may_publish = grant.can_publish;
  p.may_subscribe = grant.can_subscribe;
  return p;
}

std::string Conference::add_http_resource(uint64_t key, std::string_view credential) {
  // 128 random bits: the id is not derived from anything status or signalling shows.
  std::string id = tls::Random::instance().hex(16);
  HttpResource r{key, {}};
  // Keyed by the id: a credential's MAC means nothing for another resource.
  if (!credential.empty()) r.owner = auth::hmac_sha256(as_bytes(id), as_bytes(credential));
  http_resources_[id] = r;
  return id;
}

bool Conference::admin_allowed(Participant& p, const char* admin, const char* what) {
  const Access& access = access_ ? *access_ : kNoAccess;
  if (access.is_admin(admin)) return true;
  ++counters_.unauthorized;
  LOG_INFO("signal", "refused ", what, " without the administrator secret");
  send_error(p, umbrella_Error_Code_CODE_UNAUTHORIZED,
             std::string(what) + " needs the administrator secret (UMBRELLA_ADMIN_SECRET, or admin.secret on the server)");
  return false;
}

// Unique across trunked SFUs too: the site is part of the id (msid-safe characters only).
std::string Conference::new_participant_id() { return "p" + std::to_string(next_participant_++) + "." + site_id_; }

uint64_t Conference::open(SignalChannel* channel, const SocketAddress& from) {
  uint64_t id = next_connection_++;
  Participant& p = create_participant(id, channel);
  p.address = from;
  p.message_budget = admission_.message_budget();
  return id;
}

std::optional<Refusal> Conference::admit(Admission::Kind kind, const SocketAddress& from, const std::string& room,
                                             Instant now) {
  size_t in_server = 0, in_room = 0;
  for (auto& [key, p] : participants_) {
    in_server += p->joined;
    in_room += p->in_room(room);
  }
  return admission_.admit(kind, from, room, in_room, in_server, now);
}

std::optional<Refusal> Conference::admit_http(const SocketAddress& from, const std::string& room, Instant now) {
  return admit(Admission::Kind::kHttpSession, from, room.empty() ? "default" : room, now);
}

void Conference::on_closed(uint64_t connection) {
  if (trunk_connections_.erase(connection)) {
    if (trunk_acceptor_) trunk_acceptor_->on_closed(connection);
    return;
  }
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
  auto env = signal::new_envelope();
  auto& list = signal::make_trunks(*env);
  for (auto& t : trunks) signal::add_trunk(list, t.url, t.state, t.last_error, t.peer_site_id);
  p.channel->send(*env);
}

void Conference::send_error(Participant& p, umbrella_Error_Code code, std::string_view message) {
  if (!p.channel) return;
  auto env = signal::new_envelope();
  signal::make_error(*env, code, message);
  p.channel->send(*env);
}

bool Conference::send_description(Participant& p, umbrella_SessionDescription_Type type, const std::string& sdp) {
  auto env = signal::new_envelope();
  if (!sdp.empty() && p.channel && signal::make_description(*env, type, sdp, p.revision)) {
    p.channel->send(*env);
    return true;
  }
  // Never an empty or cut description on the wire: the session cannot go on.
  ++counters_.description_failed;
  p.offer_pending = false;
  p.renegotiate = false;
  std::string why = std::string("cannot ") + (sdp.empty() ? "build" : "send") + " the " +
                    (type == umbrella_SessionDescription_Type_TYPE_OFFER ? "offer" : "answer") + " (" +
                    std::to_string(sdp.size()) + " bytes)";
  LOG_WARN("signal", "participant ", p.id, ": ", why, "; closing its session");
  if (!p.channel) return false;
  send_error(p, umbrella_Error_Code_CODE_INTERNAL, why);
  // Closed from the loop: this may run inside a loop over the participants.
  uint64_t connection = p.connection;
  media_.loop.schedule(media_.loop.now(), [this, connection] {
    auto it = participants_.find(connection);
    if (it != participants_.end() && it->second->channel)
      it->second->channel->close(4000, "session description could not be built");
  });
  return false;
}

void Conference::on_message(uint64_t connection, Bytes frame, Instant now) {
  bool trunk = trunk_connections_.count(connection) != 0;
  auto it = participants_.find(connection);
  if (!trunk && it == participants_.end()) return;
  ++counters_.messages;
  auto msg = signal::new_envelope();
  auto decoded = signal::decode(frame, *msg);
  if (trunk) {
    if (decoded && trunk_acceptor_) trunk_acceptor_->on_message(connection, *msg, now);
    if (!decoded) ++counters_.malformed;
    return;
  }
  Participant& p = *it->second;
  if (!admission_.message(p.message_budget, p.address, now)) {
    // Dropped, and said once until it slows down: a flood gets no answer per message.
    if (!std::exchange(p.rate_warned, true))
      send_error(p, umbrella_Error_Code_CODE_RATE_LIMITED, "too many messages; slow down (some were dropped)");
    return;
  }
  p.rate_warned = false;
  if (!decoded) {
    ++counters_.malformed;
    send_error(p, umbrella_Error_Code_CODE_BAD_MESSAGE, std::string("cannot decode message: ") + decoded.error().reason);
    return;
  }
  handle_message(p, *msg, now);
}

void Conference::handle_message(Participant& p, const umbrella_Envelope& msg, Instant now) {
  switch (msg.which_body) {
    case umbrella_Envelope_join_tag:
      if (p.joined) break;
      if (msg.body.join.role == umbrella_Role_ROLE_TRUNK) {
        if (!trunk_acceptor_) break;
        // From now on this connection is a trunk's: the trunk module speaks on it.
        uint64_t connection = p.connection;
        SignalChannel* channel = p.channel;
        SocketAddress from = p.address;
        participants_.erase(connection);
        trunk_connections_.insert(connection);
        trunk_acceptor_->accept(connection, channel, msg.body.join, from, now);
        return;
      }
      handle_join(p, msg.body.join, now);
      return;
    case umbrella_Envelope_ping_tag: {
      auto env = signal::new_envelope();
      signal::make_pong(*env, msg.body.ping.nonce);
      p.channel->send(*env);
      return;
    }
    case umbrella_Envelope_leave_tag:
      handle_leave(p);
      return;
    case umbrella_Envelope_set_mute_tag: {
      if (!p.joined) break;
      p.audio_muted = msg.body.set_mute.audio_muted;
      p.video_muted = msg.body.set_mute.video_muted;
      auto env = signal::new_envelope();
      signal::make_participant_event(*env, umbrella_Envelope_participant_updated_tag, p.fields(site_id_));
      broadcast_people(p.room, *env, nullptr);
      return;
    }
    case umbrella_Envelope_tile_views_tag:
      if (!p.joined) break;
      handle_tile_views(p, msg.body.tile_views);
      return;
    case umbrella_Envelope_description_tag:
      if (!p.joined) break;
      handle_description(p, msg.body.description, now);
      return;
    case umbrella_Envelope_get_trunks_tag:
      if (admin_allowed(p, msg.body.get_trunks.admin, "GetTrunks")) send_trunks(p);
      return;
    case umbrella_Envelope_set_trunks_tag: {
      if (!trunk_control_) break;
      if (!admin_allowed(p, msg.body.set_trunks.admin, "SetTrunks")) return;
      std::vector<std::string> urls;
      for (pb_size_t i = 0; i < msg.body.set_trunks.urls_count; ++i) urls.push_back(msg.body.set_trunks.urls[i]);
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
             std::string("unexpected message ") + signal::body_name(msg) + (p.joined ? "" : " before join"));
}

void Conference::handle_join(Participant& p, const umbrella_Join& join, Instant now) {
  std::string room = join.room[0] ? join.room : "default";
  const Access& access = access_ ? *access_ : kNoAccess;
  auto grant = access.admit(join.token, room);
  if (!grant) {
    ++counters_.unauthorized;
    LOG_INFO("signal", "join of room ", room, " refused: ", grant.error().reason);
    send_error(p, umbrella_Error_Code_CODE_UNAUTHORIZED, grant.error().reason);
    return;
  }
  if (auto refused = admit(Admission::Kind::kJoin, p.address, room, now)) {
    send_error(p, refused->over_rate ? umbrella_Error_Code_CODE_RATE_LIMITED : umbrella_Error_Code_CODE_ROOM_FULL,
               refused->reason);
    return;
  }
  ++counters_.joins;
  p.joined = true;
  p.room = room;
  p.display_name = grant->name.empty() ? std::string(join.display_name) : grant->name;
  p.identity = grant->identity;
  p.may_publish = grant->can_publish;
  p.may_subscribe = grant->can_subscribe;
  p.role = join.role;
  p.id = new_participant_id();
  auto env = signal::new_envelope();
  signal::make_joined(*env, p.id, p.room, site_id_);
  for (auto& [key, other] : participants_)
    if (other.get() != &p && other->in_room(p.room) && other->channel)
      signal::add_participant(env->body.joined, other->fields(site_id_));
  for (const RoomMember* m : members_)
    m->for_each_person([&](const signal::ParticipantFields& f) {
      if (f.room == p.room) signal::add_participant(env->body.joined, f);
    });
  p.channel->send(*env);
  signal::make_participant_event(*env, umbrella_Envelope_participant_joined_tag, p.fields(site_id_));
  broadcast_people(p.room, *env, &p);
  LOG_INFO("signal", "participant ", p.id, " (", p.display_name, p.identity.empty() ? "" : ", token for " + p.identity,
           ") joined room ", p.room);
}

void Conference::handle_leave(Participant& p) {
  if (!p.joined) return;
  ++counters_.leaves;
  p.joined = false;
  unpublish_tracks(p);
  if (p.transport) {
    forget_transport(p.transport->id());
    p.transport.reset();  // leaves the media plane with its subscriptions
  }
  p.subscriptions.clear();
  auto env = signal::new_envelope();
  signal::make_participant_left(*env, p.id);
  broadcast_people(p.room, *env, &p);
  renegotiate_room(p.room, &p);
  LOG_INFO("signal", "participant ", p.id, " left room ", p.room);
}

void Conference::handle_description(Participant& p, const umbrella_SessionDescription& d, Instant now) {
  if (d.type == umbrella_SessionDescription_Type_TYPE_OFFER) {
    // Glare: the client's offer crossed ours. The SFU is the impolite side (RFC 8829 perfect
    // negotiation): the client rolls back, answers ours and offers again afterwards.
    if (p.offer_pending) {
      ++counters_.glare;
      LOG_DEBUG("signal", "participant ", p.id, ": offer crossed ours (glare), ignored");
      return;
    }
    auto answer = accept_offer(p, std::string(signal::sdp_of(d)), now);
    if (!answer) {
      ++counters_.bad_sdp;
      send_error(p, umbrella_Error_Code_CODE_BAD_SDP, answer.error());
      return;
    }
    p.revision = d.revision;
    if (!send_description(p, umbrella_SessionDescription_Type_TYPE_ANSWER, *answer)) return;
    publish_tracks(p);
    // Anything already in the room reaches the newcomer by a server offer.
    renegotiate(p);
    return;
  }
  // An answer to our offer.
  if (!p.offer_pending || d.revision != p.revision || !p.transport) {
    ++counters_.unexpected;
    return;  // stale answer
  }
  ++counters_.answers_received;
  p.offer_pending = false;
  if (auto r = p.transport->apply_answer(std::string(signal::sdp_of(d))); !r) {
    ++counters_.bad_sdp;
    send_error(p, umbrella_Error_Code_CODE_BAD_SDP, r.error());
    return;
  }
  subscribe_negotiated(p);
  if (p.renegotiate) renegotiate(p);
}

void Conference::broadcast_people(const std::string& room, const umbrella_Envelope& env, const Participant* except,
                                  const RoomMember* from) {
  for (auto& [key, other] : participants_)
    if (other.get() != except && other->in_room(room) && other->channel) other->channel->send(env);
  for (RoomMember* m : members_)
    if (m != from) m->on_people_event(room, env);
}

void Conference::broadcast_tracks(const std::string& room, const umbrella_Envelope& env, const Participant* except) {
  // Members learn about tracks through on_tracks_changed, not room events.
  for (auto& [key, other] : participants_)
    if (other.get() != except && other->in_room(room) && other->channel) other->channel->send(env);
}

// Trunks' tracks first, then local participants' in the order they came (WHEP takes the
// first of each kind).
void Conference::for_each_track(const RoomMember* except, const TrackFn& fn) const {
  for (const RoomMember* m : members_)
    if (m != except)
      for (auto& t : m->participant().published)
        if (t.stream) fn(t);
  for (auto& [key, p] : participants_)
    if (p->joined)
      for (auto& t : p->published)
        if (t.stream) fn(t);
}

void Conference::for_each_person(const RoomMember* except, const PersonFn& fn) const {
  for (auto& [key, p] : participants_)
    if (p->joined && (p->channel || p->transport)) fn(p->fields(site_id_));
  for (const RoomMember* m : members_)
    if (m != except) m->for_each_person(fn);
}

void Conference::people_event(const std::string& room, const umbrella_Envelope& event, const RoomMember* from) {
  if (event.which_body == umbrella_Envelope_participant_left_tag)
    data_relay_.sender_gone(event.body.participant_left.participant_id);
  broadcast_people(room, event, nullptr, from);
}

void Conference::track_event(const std::string& room, const umbrella_Envelope& event, const RoomMember* from) {
  (void)from;
  broadcast_tracks(room, event, nullptr);
  watch_speakers();
}

void Conference::tracks_changed(const std::string& room, const RoomMember* from) {
  for (auto& [key, other] : participants_)
    if (other->in_room(room)) renegotiate(*other);
  for (RoomMember* m : members_)
    if (m != from) m->on_tracks_changed();
}

void Conference::renegotiate_room(const std::string& room, const Participant* except) {
  for (auto& [key, other] : participants_)
    if (other.get() != except && other->in_room(room)) renegotiate(*other);
  for (RoomMember* m : members_) m->on_tracks_changed();
}

Result<Conference::HttpSession, std::string> Conference::whip(const std::string& room, const std::string& offer,
                                                              Instant now, const RoomGrant& grant,
                                                              std::string_view credential) {
  Participant& p = create_http_participant(room, "WHIP", grant);
  uint64_t key = p.connection;
  auto answer = accept_offer(p, offer, now);
  if (!answer) {
    ++counters_.bad_sdp;
    if (p.transport) forget_transport(p.transport->id());
    participants_.erase(key);
    return Err{answer.error()};
  }
  // The person first, then their tracks: a trunk places tracks in their owner's room.
  auto env = signal::new_envelope();
  signal::make_participant_event(*env, umbrella_Envelope_participant_joined_tag, p.fields(site_id_));
  broadcast_people(p.room, *env, &p);
  publish_tracks(p);
  std::string resource = add_http_resource(key, credential);
  LOG_INFO("whip", "publisher ", p.id, " in room ", p.room);
  return HttpSession{resource, *answer};
}

Conference::EndResult Conference::end_http_session(const std::string& resource, std::string_view credential,
                                                   bool admin) {
  auto it = http_resources_.find(resource);
  if (it == http_resources_.end()) return EndResult::kNotFound;
  const HttpResource& r = it->second;
  std::array<uint8_t, 32> presented{};
  if (!credential.empty()) presented = auth::hmac_sha256(as_bytes(resource), as_bytes(credential));
  if (!admin && !stun::constant_time_equal(presented, r.owner)) {
    ++counters_.unauthorized;
    return EndResult::kForbidden;
  }
  auto p = participants_.find(r.key);
  http_resources_.erase(it);
  if (p != participants_.end()) remove_participant(*p->second);
  return EndResult::kEnded;
}

void Conference::snapshot(signal::StatusSnapshot& out) const {
  Instant now = media_.loop.now();
  for (auto& [key, p] : participants_)
    if (p->joined) out.clients.push_back(describe_client(*p, media_.plane, rates_, now));
  for (const RoomMember* m : members_)
    if (m->participant().joined) out.clients.push_back(describe_client(m->participant(), media_.plane, rates_, now));
  rates_.commit();
}

}  // namespace umbrella::server
