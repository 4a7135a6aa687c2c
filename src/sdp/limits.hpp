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

}  // namespace umbrella::sdp
