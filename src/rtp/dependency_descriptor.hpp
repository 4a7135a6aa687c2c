// The Dependency Descriptor RTP header extension (AV1 RTP specification, appendix A): which
// spatial and temporal layer a frame belongs to and what it needs, so an SFU can drop layers
// without reading the codec payload. A packet carries the mandatory fields (frame boundaries,
// template id, frame number) and, usually on a keyframe's first packet, the template
// dependency structure that later packets' template ids refer to. The structure is kept per
// publisher stream in fixed arrays (at most 32 decode targets and 64 templates, as the spec
// bounds them), so parsing a packet allocates nothing.
#pragma once

#include <array>
#include <cstdint>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "rtp/parse_error.hpp"

namespace umbrella::rtp {

inline constexpr size_t kDdMaxDecodeTargets = 32;  // dt_cnt_minus_one is 5 bits
inline constexpr size_t kDdMaxTemplates = 64;      // template ids are 6 bits
inline constexpr size_t kDdMaxSpatial = 4;         // spatial ids are 2 bits
inline constexpr size_t kDdMaxTemporal = 8;        // temporal ids are 3 bits
// Frame diffs per frame: the spec does not bound them, an AV1 frame refers to at most 7
// reference frames, so more than 8 is refused rather than kept.
inline constexpr size_t kDdMaxFdiffs = 8;

// Decode target indication: what a frame is to one decode target.
enum class Dti : uint8_t { kNotPresent = 0, kDiscardable = 1, kSwitch = 2, kRequired = 3 };

struct DdTemplate {
  uint8_t spatial = 0, temporal = 0;
  uint8_t fdiff_count = 0;
  std::array<uint8_t, kDdMaxFdiffs> fdiffs{};  // 1..16
  uint64_t dtis = 0;                            // 2 bits per decode target
  std::array<uint8_t, kDdMaxDecodeTargets> chain_fdiffs{};  // 0..15, per chain
  Dti dti(size_t dt) const { return Dti((dtis >> (2 * dt)) & 3); }
};

struct DdStructure {
  uint8_t template_id_offset = 0;  // the structure's id as frames name it
  uint8_t decode_targets = 0;      // DtCnt, 1..32
  uint8_t templates = 0;           // TemplateCnt, 1..64
  uint8_t chains = 0;              // chain_cnt, 0..decode_targets
  uint8_t max_spatial = 0, max_temporal = 0;
  std::array<DdTemplate, kDdMaxTemplates> templ{};
  std::array<uint8_t, kDdMaxDecodeTargets> protected_by{};  // chain of each decode target
  // The layers each decode target decodes (decode_target_layers(), computed, not sent).
  std::array<uint8_t, kDdMaxDecodeTargets> dt_spatial{}, dt_temporal{};
  bool has_resolutions = false;
  std::array<uint32_t, kDdMaxSpatial> width{}, height{};  // render size per spatial layer, 1..65536

  // The decode target that decodes exactly these layers, or -1.
  int decode_target(uint8_t spatial, uint8_t temporal) const;
};

struct DependencyDescriptor {
  bool start = false, end = false;  // first / last packet of the frame
  uint8_t template_id = 0;
  uint16_t frame_number = 0;
  bool attached_structure = false;  // this packet carries a (new) structure, now in `next`
  bool has_active_targets = false;  // active_decode_targets_present_flag
  // Bitmask over decode targets, when has_active_targets or attached_structure (all then);
  // otherwise 0 (the stream's earlier mask holds).
  uint32_t active_targets = 0;
  bool custom_dtis = false, custom_fdiffs = false, custom_chains = false;
  // The frame, from its template and any custom values.
  uint8_t spatial = 0, temporal = 0;
  uint64_t dtis = 0;
  uint8_t fdiff_count = 0;
  std::array<uint16_t, kDdMaxFdiffs> fdiffs{};  // custom fdiffs reach 4096
  std::array<uint8_t, kDdMaxDecodeTargets> chain_fdiffs{};
  Dti dti(size_t dt) const { return Dti((dtis >> (2 * dt)) & 3); }
  // A keyframe's first packet: libwebrtc attaches the structure there and only there.
  bool starts_keyframe() const { return start && attached_structure; }
};

// Parses one extension element's data. `current` is the structure the stream's packets refer
// to (null before any); a packet that carries its own is parsed with that one, written into
// `next` (which the caller adopts as current when it keeps the packet). Every length is
// checked. kTooShort: fewer bits than the fields need; kBadContent: no structure to refer to,
// a template id outside it, an empty or oversized structure, more than kDdMaxFdiffs diffs, a
// chain index out of range.
Result<DependencyDescriptor, ParseError> parse_dependency_descriptor(Bytes data, const DdStructure* current,
                                                                     DdStructure& next);

// Writes d (with `structure` attached when d.attached_structure, which must be the structure
// d refers to) into out; the custom flags say which frame values are written. Returns the
// bytes used, 0 when out is too small or a value cannot be written.
size_t write_dependency_descriptor(MutableBytes out, const DependencyDescriptor& d, const DdStructure& structure);

}  // namespace umbrella::rtp
