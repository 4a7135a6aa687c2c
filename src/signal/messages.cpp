#include "signal/messages.hpp"

#include "signal/codec.hpp"
#include "signal/strings.hpp"

namespace umbrella::signal {

void reset(umbrella_Envelope& env, pb_size_t body_tag) {
  env = umbrella_Envelope_init_zero;
  env.which_body = body_tag;
}

void make_error(umbrella_Envelope& env, umbrella_Error_Code code, std::string_view message) {
  reset(env, umbrella_Envelope_error_tag);
  env.body.error.code = code;
  copy_string(env.body.error.message, message);
}

void make_pong(umbrella_Envelope& env, uint64_t nonce) {
  reset(env, umbrella_Envelope_pong_tag);
  env.body.pong.nonce = nonce;
}

bool make_joined(umbrella_Envelope& env, std::string_view participant_id, std::string_view room,
                 std::string_view site_id) {
  reset(env, umbrella_Envelope_joined_tag);
  auto& j = env.body.joined;
  return copy_string_exact(j.participant_id, participant_id) && copy_string_exact(j.room, room) &&
         copy_string_exact(j.site_id, site_id);
}

bool fill_participant(umbrella_Participant& out, const ParticipantFields& p) {
  out = umbrella_Participant_init_zero;
  copy_string(out.display_name, p.display_name);
  out.audio_muted = p.audio_muted;
  out.video_muted = p.video_muted;
  copy_string(out.room, p.room);
  return copy_string_exact(out.participant_id, p.participant_id) &&
         copy_string_exact(out.site_id, p.site_id);
}

bool add_participant(umbrella_Joined& joined, const ParticipantFields& p) {
  constexpr size_t kMax = sizeof(joined.participants) / sizeof(joined.participants[0]);
  if (joined.participants_count >= kMax) return false;
  if (!fill_participant(joined.participants[joined.participants_count], p)) return false;
  ++joined.participants_count;
  return true;
}

bool make_participant_event(umbrella_Envelope& env, pb_size_t body_tag, const ParticipantFields& p) {
  reset(env, body_tag);
  if (body_tag == umbrella_Envelope_participant_joined_tag) {
    env.body.participant_joined.has_participant = true;
    return fill_participant(env.body.participant_joined.participant, p);
  }
  if (body_tag == umbrella_Envelope_participant_updated_tag) {
    env.body.participant_updated.has_participant = true;
    return fill_participant(env.body.participant_updated.participant, p);
  }
  env.which_body = 0;
  return false;
}

bool make_participant_left(umbrella_Envelope& env, std::string_view participant_id) {
  reset(env, umbrella_Envelope_participant_left_tag);
  return copy_string_exact(env.body.participant_left.participant_id, participant_id);
}

bool make_description(umbrella_Envelope& env, umbrella_SessionDescription_Type type,
                      std::string_view sdp, uint32_t revision) {
  reset(env, umbrella_Envelope_description_tag);
  auto& d = env.body.description;
  d.type = type;
  d.revision = revision;
  if (sdp.empty() || sdp.size() > kMaxSdpBytes) {
    env.which_body = 0;  // encode() refuses it, should a caller send it anyway
    return false;
  }
  d.sdp = {sdp.data(), sdp.size()};
  return true;
}

bool make_track_added(umbrella_Envelope& env, const TrackFields& t) {
  reset(env, umbrella_Envelope_track_added_tag);
  auto& ta = env.body.track_added;
  ta.has_track = true;
  ta.track.kind = t.kind;
  copy_string(ta.track.room, t.room);
  return copy_string_exact(ta.track.track_id, t.track_id) &&
         copy_string_exact(ta.track.participant_id, t.participant_id) &&
         copy_string_exact(ta.track.mid, t.mid) && copy_string_exact(ta.track.stream_id, t.stream_id) &&
         copy_string_exact(ta.track.origin_site, t.origin_site);
}

bool make_track_removed(umbrella_Envelope& env, std::string_view track_id) {
  reset(env, umbrella_Envelope_track_removed_tag);
  return copy_string_exact(env.body.track_removed.track_id, track_id);
}

bool make_speakers(umbrella_Envelope& env, std::span<const std::string> participant_ids) {
  reset(env, umbrella_Envelope_speakers_tag);
  auto& out = env.body.speakers;
  constexpr size_t kMax = sizeof(out.participant_ids) / sizeof(out.participant_ids[0]);
  if (participant_ids.size() > kMax) return false;
  for (const auto& id : participant_ids)
    if (!copy_string_exact(out.participant_ids[out.participant_ids_count++], id)) return false;
  return true;
}

void make_video_paused(umbrella_Envelope& env, bool paused, uint64_t estimate_bps) {
  reset(env, umbrella_Envelope_video_paused_tag);
  env.body.video_paused.paused = paused;
  env.body.video_paused.estimate_bps = estimate_bps;
}

umbrella_Trunks& make_trunks(umbrella_Envelope& env) {
  reset(env, umbrella_Envelope_trunks_tag);
  return env.body.trunks;
}

bool add_trunk(umbrella_Trunks& trunks, std::string_view url, umbrella_TrunkState_State state,
               std::string_view last_error, std::string_view peer_site_id) {
  constexpr size_t kMax = sizeof(trunks.trunks) / sizeof(trunks.trunks[0]);
  if (trunks.trunks_count >= kMax) return false;
  auto& t = trunks.trunks[trunks.trunks_count];
  t = umbrella_TrunkState_init_zero;
  t.state = state;
  copy_string(t.last_error, last_error);
  if (!copy_string_exact(t.url, url) || !copy_string_exact(t.peer_site_id, peer_site_id)) return false;
  ++trunks.trunks_count;
  return true;
}

}  // namespace umbrella::signal
