// VP8 (RFC 7741 section 4.2) and VP9 (RFC 9628 section 4.2) payload descriptors number the
// pictures (PictureID, 7 or 15 bits) and the base-layer pictures (TL0PICIDX), and receivers
// order frames by them: libwebrtc drops a frame "older than the last decoded" by PictureID.
// Each simulcast layer numbers on its own, so a subscriber moved to another layer must see
// the numbers go on from where they were, or every frame after the switch is dropped and the
// picture freezes (half the time: when the new layer's numbers happen to be behind).
#pragma once

#include <cstdint>
#include <optional>

#include "core/bytes.hpp"
#include "rtp/payload_format.hpp"

namespace umbrella::rtp {

// Where a payload descriptor holds the two numbers, and their values. Offsets are from the
// payload's start; 0 means absent (byte 0 is never one of them).
struct PictureIds {
  uint8_t pid_at = 0;
  bool pid_long = false;  // 15 bits (M=1), else 7
  uint8_t tl0_at = 0;
  uint16_t pid = 0;
  uint8_t tl0 = 0;
  bool any() const { return pid_at || tl0_at; }
};

// VP8 and VP9 only; nullopt for other codecs, a descriptor without either number, or one
// that runs past the payload.
std::optional<PictureIds> find_picture_ids(Codec codec, Bytes payload);

// Writes ids.pid / ids.tl0 where ids says (a payload of the same descriptor layout).
// False when the payload is too short for them.
bool write_picture_ids(MutableBytes payload, const PictureIds& ids);

// Per subscriber: maps the numbers of the source it is sent now, continuing from the newest
// it was sent when the source (SSRC) changes. Fed only packets the sequence rewriter
// forwards, so a new SSRC here is a new source.
class PictureIdRewriter {
 public:
  PictureIds map(uint32_t ssrc, PictureIds in);
  // The current source's mapping without moving anything on (a retransmission).
  PictureIds apply(PictureIds in) const;

 private:
  bool has_source_ = false;
  uint32_t ssrc_ = 0;
  uint16_t pid_offset_ = 0;
  uint8_t tl0_offset_ = 0;
  bool has_pid_ = false, has_tl0_ = false;
  uint16_t max_pid_ = 0;  // newest sent, in its own width
  uint8_t max_tl0_ = 0;
};

}  // namespace umbrella::rtp
