#include "server/conference.hpp"

#include <memory>

#include "core/log.hpp"
#include "signal/codec.hpp"
#include "signal/messages.hpp"

namespace umbrella::server {

class Participant {
 public:
  uint64_t connection = 0;
  SignalChannel* channel = nullptr;
  bool joined = false;
  std::string id;
  std::string room;
  std::string display_name;
  umbrella_Role role = umbrella_Role_ROLE_PARTICIPANT;
  bool audio_muted = false;
  bool video_muted = false;

  signal::ParticipantFields fields(const std::string& site) const {
    return {id, display_name, audio_muted, video_muted, site};
  }
};

namespace {
// Envelopes are large (bounded SDP inside); one scratch copy per thread keeps them off the stack.
umbrella_Envelope& scratch() {
  static thread_local auto env = std::make_unique<umbrella_Envelope>();
  return *env;
}
}  // namespace

Conference::Conference(std::string site_id) : site_id_(std::move(site_id)) {}
Conference::~Conference() = default;

uint64_t Conference::open(SignalChannel* channel) {
  auto p = std::make_unique<Participant>();
  p->connection = next_connection_++;
  p->channel = channel;
  uint64_t id = p->connection;
  participants_.emplace(id, std::move(p));
  return id;
}

void Conference::on_closed(uint64_t connection) {
  auto it = participants_.find(connection);
  if (it == participants_.end()) return;
  handle_leave(*it->second);
  participants_.erase(it);
}

void Conference::send_error(Participant& p, umbrella_Error_Code code, std::string_view message) {
  auto& env = scratch();
  signal::make_error(env, code, message);
  p.channel->send(env);
}

void Conference::on_message(uint64_t connection, Bytes frame, Instant now) {
  (void)now;
  auto it = participants_.find(connection);
  if (it == participants_.end()) return;
  Participant& p = *it->second;
  ++counters_.messages;
  auto msg = std::make_unique<umbrella_Envelope>();
  auto decoded = signal::decode(frame, *msg);
  if (!decoded) {
    ++counters_.malformed;
    send_error(p, umbrella_Error_Code_CODE_BAD_MESSAGE, std::string("cannot decode message: ") + decoded.error().reason);
    return;
  }
  switch (msg->which_body) {
    case umbrella_Envelope_join_tag:
      if (p.joined) {
        ++counters_.unexpected;
        send_error(p, umbrella_Error_Code_CODE_BAD_MESSAGE, "already joined");
        return;
      }
      handle_join(p, msg->body.join);
      return;
    case umbrella_Envelope_ping_tag: {
      auto& env = scratch();
      signal::make_pong(env, msg->body.ping.nonce);
      p.channel->send(env);
      return;
    }
    case umbrella_Envelope_leave_tag:
      handle_leave(p);
      return;
    case umbrella_Envelope_set_mute_tag: {
      if (!p.joined) break;
      p.audio_muted = msg->body.set_mute.audio_muted;
      p.video_muted = msg->body.set_mute.video_muted;
      auto& env = scratch();
      signal::make_participant_event(env, umbrella_Envelope_participant_updated_tag, p.fields(site_id_));
      broadcast(p.room, env, nullptr);
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
  p.id = "p" + std::to_string(next_participant_++);
  auto env = std::make_unique<umbrella_Envelope>();
  signal::make_joined(*env, p.id, p.room, site_id_);
  for (auto& [conn, other] : participants_)
    if (other.get() != &p && other->joined && other->room == p.room)
      signal::add_participant(env->body.joined, other->fields(site_id_));
  p.channel->send(*env);
  signal::make_participant_event(*env, umbrella_Envelope_participant_joined_tag, p.fields(site_id_));
  broadcast(p.room, *env, &p);
  LOG_INFO("signal", "participant ", p.id, " (", p.display_name, ") joined room ", p.room);
}

void Conference::handle_leave(Participant& p) {
  if (!p.joined) return;
  ++counters_.leaves;
  p.joined = false;
  auto& env = scratch();
  signal::make_participant_left(env, p.id);
  broadcast(p.room, env, &p);
  LOG_INFO("signal", "participant ", p.id, " left room ", p.room);
}

void Conference::broadcast(const std::string& room, const umbrella_Envelope& env, const Participant* except) {
  for (auto& [conn, other] : participants_)
    if (other.get() != except && other->joined && other->room == room) other->channel->send(env);
}

void Conference::snapshot(signal::StatusSnapshot& out) const {
  for (auto& [conn, p] : participants_) {
    if (!p->joined) continue;
    signal::ClientSnapshot c;
    c.participant_id = p->id;
    c.display_name = p->display_name;
    c.room = p->room;
    c.ice_state = "new";
    c.dtls_state = "new";
    out.clients.push_back(std::move(c));
  }
}

}  // namespace umbrella::server
