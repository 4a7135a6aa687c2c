// The VP9 RTP payload descriptor (RFC 9628 section 4.2) in full: what an SFU needs to forward
// spatial and temporal layers selectively (layer indices, switching-up points, frame
// boundaries) and the scalability structure that keyframes carry (layer count and sizes).
#pragma once

#include <array>
#include <cstdint>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "rtp/parse_error.hpp"

namespace umbrella::rtp {

inline constexpr uint8_t kVp9MaxSpatialLayers = 8;  // N_S is 3 bits

// V=1: the scalability structure (section 4.2.1). The picture group's entries are checked
// and counted, not kept: the router decides from each packet's own indices.
struct Vp9Scalability {
  uint8_t spatial_layers = 0;  // N_S + 1
  bool has_sizes = false;      // Y
  std::array<uint16_t, kVp9MaxSpatialLayers> width{}, height{};
  uint8_t group_size = 0;      // N_G (0 when G=0)
};

struct Vp9Descriptor {
  bool inter = false;          // P: the picture refers to earlier pictures
  bool flexible = false;       // F
  bool begin = false;          // B: first packet of a layer frame
  bool end = false;            // E: last packet of a layer frame
  bool not_upper_ref = false;  // Z: not used by the upper spatial layers
  bool has_picture_id = false;
  bool picture_id_long = false;  // 15 bits (M=1), else 7
  uint16_t picture_id = 0;
  bool has_layers = false;     // L: the indices below were there (else all 0)
  uint8_t temporal = 0;        // TID
  bool switch_up = false;      // U: higher temporal layers from here on need nothing before
  uint8_t spatial = 0;         // SID
  bool inter_layer = false;    // D: refers to the spatial layer below in the same picture
  bool has_tl0 = false;        // non-flexible with L
  uint8_t tl0_picture_index = 0;
  uint8_t reference_count = 0;  // flexible with P: P_DIFFs (1 to 3)
  std::array<uint8_t, 3> reference_diff{};
  bool has_scalability = false;  // V
  Vp9Scalability scalability;
  uint16_t size = 0;  // descriptor bytes; the VP9 data starts there

  // The first packet of a keyframe: base layer, no inter-picture reference.
  bool starts_keyframe() const { return begin && !inter && spatial == 0; }
};

// Every length is checked before it is read. kTooShort: runs past the payload (a payload with
// no VP9 byte after the descriptor included); kBadContent: a P_DIFF of 0 (a picture referring
// to itself), more than three of them, or a layer size of 0.
Result<Vp9Descriptor, ParseError> parse_vp9_descriptor(Bytes payload);

// Writes d as a descriptor into out (d.size is ignored): the scalability structure without a
// picture group (G=0). Returns the bytes written, 0 when out is too small or d cannot be
// written (a P_DIFF or layer index out of range).
size_t write_vp9_descriptor(MutableBytes out, const Vp9Descriptor& d);

}  // namespace umbrella::rtp
