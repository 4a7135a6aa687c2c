// RTP payload formats a recording reads, parsed without decoding: VP8 (RFC 7741) and Opus
// (RFC 7587). Pure functions over the payload of one decrypted RTP packet.
#pragma once

#include <cstdint>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "rtp/parse_error.hpp"

namespace umbrella::record {

enum class Codec : uint8_t { kVp8, kOpus };

// One RTP packet's share of a codec frame.
struct PayloadView {
  bool frame_start = false;  // VP8: S=1 and partition 0 (first packet of a frame); Opus: always
  bool keyframe = false;     // VP8: frame start of an intra frame; Opus: always
  uint16_t width = 0, height = 0;  // VP8 keyframes: the picture size from the frame header
  Bytes data;                // the codec bytes (after the payload descriptor)
};

// VP8 payload descriptor (RFC 7741 section 4.2) and, at a frame start, the first bytes of the
// VP8 frame header (RFC 6386 section 9.1): key frames carry a start code and the picture size.
Result<PayloadView, rtp::ParseError> parse_vp8(Bytes payload);

// Opus: one packet is one frame; the TOC byte must be there (RFC 6716 section 3.1).
Result<PayloadView, rtp::ParseError> parse_opus(Bytes payload);

inline Result<PayloadView, rtp::ParseError> parse_payload(Codec codec, Bytes payload) {
  return codec == Codec::kVp8 ? parse_vp8(payload) : parse_opus(payload);
}

}  // namespace umbrella::record
