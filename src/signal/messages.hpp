// Builders for the Envelopes the server sends. Each one resets `env` and selects its body,
// so an Envelope can be reused frame after frame. Strings that are only shown to people
// (names, error text) are truncated to fit; SDP and ids are refused instead (false).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "umbrella.pb.h"

namespace umbrella::signal {

// Envelopes are over 4 KiB (bounded fields): on the heap, not the stack.
inline std::unique_ptr<umbrella_Envelope> new_envelope() { return std::make_unique<umbrella_Envelope>(); }

// Zeroes `env` and sets which_body = tag.
void reset(umbrella_Envelope& env, pb_size_t body_tag);

void make_error(umbrella_Envelope& env, umbrella_Error_Code code, std::string_view message);
void make_pong(umbrella_Envelope& env, uint64_t nonce);

// Joined with no participants yet: fill them with add_participant().
bool make_joined(umbrella_Envelope& env, std::string_view participant_id, std::string_view room,
                 std::string_view site_id);
struct ParticipantFields {
  std::string_view participant_id;
  std::string_view display_name;
  bool audio_muted = false;
  bool video_muted = false;
  std::string_view site_id;
  std::string_view room = {};  // set for trunks, which carry every room
};
bool fill_participant(umbrella_Participant& out, const ParticipantFields& p);
// False when Joined is full (32) or the id does not fit.
bool add_participant(umbrella_Joined& joined, const ParticipantFields& p);

// body_tag is umbrella_Envelope_participant_joined_tag or umbrella_Envelope_participant_updated_tag.
bool make_participant_event(umbrella_Envelope& env, pb_size_t body_tag, const ParticipantFields& p);
bool make_participant_left(umbrella_Envelope& env, std::string_view participant_id);

// False for an empty SDP or one over kMaxSdpBytes: the caller must not send `env` then
// (an empty description would leave the remote waiting for ever). `sdp` is not copied:
// it must outlive every encode() of `env`.
[[nodiscard]] bool make_description(umbrella_Envelope& env, umbrella_SessionDescription_Type type,
                                    std::string_view sdp, uint32_t revision);

struct TrackFields {
  std::string_view track_id;
  umbrella_MediaKind kind = umbrella_MediaKind_MEDIA_KIND_UNSPECIFIED;
  std::string_view participant_id;
  std::string_view mid;
  std::string_view stream_id;
  std::string_view origin_site;
  std::string_view room = {};  // set for trunks
};
bool make_track_added(umbrella_Envelope& env, const TrackFields& t);
bool make_track_removed(umbrella_Envelope& env, std::string_view track_id);
// False when there are more than 3 or an id does not fit.
bool make_speakers(umbrella_Envelope& env, std::span<const std::string> participant_ids);
void make_video_paused(umbrella_Envelope& env, bool paused, uint64_t estimate_bps);

// Trunks with no entries yet: fill them with add_trunk(). False when full (8).
umbrella_Trunks& make_trunks(umbrella_Envelope& env);
bool add_trunk(umbrella_Trunks& trunks, std::string_view url, umbrella_TrunkState_State state,
               std::string_view last_error, std::string_view peer_site_id);

}  // namespace umbrella::signal
