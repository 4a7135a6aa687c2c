#include "signal/codec.hpp"

#include <pb_decode.h>
#include <pb_encode.h>

#include <cstdint>
#include <cstring>

namespace umbrella::signal {
namespace {
// nanopb stores whatever number arrived in an enum field; a value outside the enum's range
// is undefined behaviour to load as the enum, so it is checked here as a plain int.
template <typename E>
bool in_range(const E& field, E min, E max) {
  static_assert(sizeof(E) == sizeof(int));
  int v;
  std::memcpy(&v, &field, sizeof v);
  return v >= int(min) && v <= int(max);
}

bool enums_in_range(const umbrella_Envelope& e) {
  switch (e.which_body) {
    case umbrella_Envelope_join_tag:
      return in_range(e.body.join.role, _umbrella_Role_MIN, _umbrella_Role_MAX);
    case umbrella_Envelope_description_tag:
      return in_range(e.body.description.type, _umbrella_SessionDescription_Type_MIN,
                      _umbrella_SessionDescription_Type_MAX);
    case umbrella_Envelope_track_added_tag:
      return in_range(e.body.track_added.track.kind, _umbrella_MediaKind_MIN, _umbrella_MediaKind_MAX);
    case umbrella_Envelope_error_tag:
      return in_range(e.body.error.code, _umbrella_Error_Code_MIN, _umbrella_Error_Code_MAX);
    case umbrella_Envelope_trunks_tag:
      for (pb_size_t i = 0; i < e.body.trunks.trunks_count; ++i)
        if (!in_range(e.body.trunks.trunks[i].state, _umbrella_TrunkState_State_MIN, _umbrella_TrunkState_State_MAX))
          return false;
      return true;
    default:
      return true;
  }
}
}  // namespace

Result<bool, DecodeError> decode(Bytes frame, umbrella_Envelope& out) {
  pb_istream_t in = pb_istream_from_buffer(frame.data(), frame.size());
  // PB_DECODE_NOINIT is not used: pb_decode zeroes `out` first so no stale body leaks through.
  if (!pb_decode(&in, umbrella_Envelope_fields, &out)) {
    const char* why = PB_GET_ERROR(&in);
    return Err<DecodeError>{DecodeError{why ? why : "malformed"}};
  }
  // The SDP view must point into this frame (sdp_text.c keeps it where the string was; a
  // field sent with another wire type is read through nanopb's own small buffer instead).
  if (out.which_body == umbrella_Envelope_description_tag && out.body.description.sdp.size) {
    auto p = reinterpret_cast<uintptr_t>(out.body.description.sdp.data);
    auto begin = reinterpret_cast<uintptr_t>(frame.data()), end = begin + frame.size();
    if (p < begin || p > end || end - p < out.body.description.sdp.size)
      return Err<DecodeError>{DecodeError{"sdp is not a string"}};
  }
  if (!enums_in_range(out)) return Err<DecodeError>{DecodeError{"enum value out of range"}};
  return true;
}

size_t encode(const umbrella_Envelope& env, MutableBytes out) {
  if (env.which_body == 0) return 0;  // nothing worth sending
  pb_ostream_t os = pb_ostream_from_buffer(out.data(), out.size());
  if (!pb_encode(&os, umbrella_Envelope_fields, &env)) return 0;
  return os.bytes_written;
}

const char* body_name(const umbrella_Envelope& env) {
  switch (env.which_body) {
    case 0: return "none";
    case umbrella_Envelope_join_tag: return "join";
    case umbrella_Envelope_leave_tag: return "leave";
    case umbrella_Envelope_set_mute_tag: return "set_mute";
    case umbrella_Envelope_description_tag: return "description";
    case umbrella_Envelope_ping_tag: return "ping";
    case umbrella_Envelope_pong_tag: return "pong";
    case umbrella_Envelope_joined_tag: return "joined";
    case umbrella_Envelope_participant_joined_tag: return "participant_joined";
    case umbrella_Envelope_participant_left_tag: return "participant_left";
    case umbrella_Envelope_participant_updated_tag: return "participant_updated";
    case umbrella_Envelope_track_added_tag: return "track_added";
    case umbrella_Envelope_track_removed_tag: return "track_removed";
    case umbrella_Envelope_error_tag: return "error";
    case umbrella_Envelope_set_trunks_tag: return "set_trunks";
    case umbrella_Envelope_get_trunks_tag: return "get_trunks";
    case umbrella_Envelope_trunks_tag: return "trunks";
    case umbrella_Envelope_trunk_challenge_tag: return "trunk_challenge";
    case umbrella_Envelope_trunk_response_tag: return "trunk_response";
    case umbrella_Envelope_speakers_tag: return "speakers";
    case umbrella_Envelope_trunk_wants_tag: return "trunk_wants";
    case umbrella_Envelope_tile_views_tag: return "tile_views";
    case umbrella_Envelope_site_introduction_tag: return "site_introduction";
    case umbrella_Envelope_site_signal_tag: return "site_signal";
    default: return "unknown";
  }
}

}  // namespace umbrella::signal
