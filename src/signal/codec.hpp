// Envelope <-> bytes for the /wsb signalling protocol (one Envelope per binary WebSocket
// frame). nanopb with static, bounded fields: decoding never allocates, and a frame that
// exceeds any bound in proto/umbrella.options is refused rather than truncated.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "umbrella.pb.h"

namespace umbrella::signal {

// Largest SDP a SessionDescription carries (sdp_text.h: it is a view, outside nanopb's
// static bounds). Holds the largest SDP sdp/limits.hpp lets a browser session have.
inline constexpr size_t kMaxSdpBytes = UMBRELLA_MAX_SDP_BYTES;

namespace detail {
constexpr size_t max_of(std::initializer_list<size_t> sizes) {
  size_t m = 0;
  for (size_t s : sizes) m = s > m ? s : m;
  return m;
}
// A SessionDescription at its bounds: type, revision, every MidTrack, and the SDP (tag +
// 3-byte length + bytes). nanopb cannot size it (the SDP is a callback field).
inline constexpr size_t kMaxDescriptionSize =
    2 + 6 + sizeof(umbrella_SessionDescription::receive) / sizeof(umbrella_MidTrack) * (umbrella_MidTrack_size + 2) +
    1 + 3 + kMaxSdpBytes;
}  // namespace detail

// Largest encoding of any Envelope (the biggest body plus its tag and 3-byte length); a
// buffer this big always fits encode()'s output.
inline constexpr size_t kMaxEnvelopeSize =
    4 + detail::max_of({detail::kMaxDescriptionSize, umbrella_Join_size, umbrella_Joined_size, umbrella_Trunks_size,
                        umbrella_SetTrunks_size, umbrella_TrackAdded_size, umbrella_Error_size,
                        umbrella_ParticipantJoined_size, umbrella_ParticipantUpdated_size});

struct DecodeError {
  const char* reason;  // static string from nanopb ("string overflow", "invalid wire_type"...)
};

// Decodes one frame into `out` (which is ~17 KiB, so the caller owns it). On error `out`
// holds partial data and must not be used. A description's SDP is a view into `frame`
// (sdp_of()): use it while the frame lives. An empty frame decodes to an Envelope with no
// body (which_body == 0); callers treat that as a bad message.
Result<bool, DecodeError> decode(Bytes frame, umbrella_Envelope& out);

// Encodes `env` into `out`; returns the length written, 0 if it does not fit or is invalid.
// A valid Envelope always encodes to at least 2 bytes (tag + length of its body).
size_t encode(const umbrella_Envelope& env, MutableBytes out);

// The SDP of a description, decoded or built by make_description().
inline std::string_view sdp_of(const umbrella_SessionDescription& d) { return {d.sdp.data, d.sdp.size}; }

// Name of the body type for logs ("join", "description"...), "none" or "unknown".
const char* body_name(const umbrella_Envelope& env);

}  // namespace umbrella::signal
