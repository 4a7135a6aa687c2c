// Bounds on SDP input: the parser refuses anything larger instead of allocating for it.
// A Chrome offer with audio, simulcast video and data is ~6 KiB and ~150 lines; these
// leave ample room for dozens of m-lines while capping a hostile offer's cost.
#pragma once

#include <cstddef>

namespace umbrella::sdp {

inline constexpr size_t kMaxSdpBytes = 256 * 1024;
inline constexpr size_t kMaxLines = 8192;
inline constexpr size_t kMaxLineLength = 4096;
inline constexpr size_t kMaxMediaSections = 128;  // a 64-person call: two m-lines each
inline constexpr size_t kMaxFormatsPerMedia = 128;
inline constexpr size_t kMaxTokensPerLine = kMaxMediaSections + 8;  // a=group:BUNDLE lists every mid
inline constexpr size_t kMaxCandidatesPerMedia = 64;
inline constexpr size_t kMaxAttributesPerSection = 1024;
inline constexpr size_t kMaxRidsPerMedia = 32;  // rid lines, and streams in a simulcast line

// Bounds on one call, refused at publish and offer time with a clear error (answer_offer()
// and the server's publish path). Sized for an access point (2 ARM cores, 512 MB): a room of
// 24 people with camera and microphone is already more than it can forward, and a browser
// publishes at most camera, microphone, screen and screen audio. A session's m-lines are its
// own published tracks plus one per track it receives (departed tracks' m-lines are reused),
// so 64 leaves room for a full room plus the data channel and a few inactive leftovers; at
// ~1.7 KB per server-written video m-line that is ~110 KB of SDP, under signal::kMaxSdpBytes.
inline constexpr size_t kMaxTracksPerParticipant = 16;
inline constexpr size_t kMaxTracksPerRoom = 48;
inline constexpr size_t kMaxSessionMediaSections = 64;
static_assert(kMaxSessionMediaSections <= kMaxMediaSections);

}  // namespace umbrella::sdp
