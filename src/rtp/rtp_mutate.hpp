// In-place edits of an RTP packet that keep its length: header fields and extension IDs.
// Callers parse first (parse_rtp); each setter still refuses a span shorter than the header.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "core/bytes.hpp"
#include "rtp/rtp_packet.hpp"

namespace umbrella::rtp {

bool set_marker(MutableBytes packet, bool marker);
bool set_payload_type(MutableBytes packet, uint8_t payload_type);
bool set_sequence(MutableBytes packet, uint16_t sequence);
bool set_timestamp(MutableBytes packet, uint32_t timestamp);
bool set_ssrc(MutableBytes packet, uint32_t ssrc);

// Incoming extension ID -> outgoing ID; 0 means drop. A default map drops everything, so a
// subscriber only ever sees extensions it negotiated.
class ExtensionIdMap {
 public:
  ExtensionIdMap() { out_.fill(0); }
  static ExtensionIdMap identity() {
    ExtensionIdMap m;
    for (size_t i = 0; i < m.out_.size(); ++i) m.out_[i] = uint8_t(i);
    return m;
  }
  void set(uint8_t in, uint8_t out) { out_[in] = out; }
  void drop(uint8_t in) { out_[in] = 0; }
  uint8_t operator[](uint8_t in) const { return out_[in]; }

 private:
  std::array<uint8_t, 256> out_;
};

// Renumbers every RFC 8285 element through map. A dropped element is overwritten with zero
// (padding) bytes so nothing moves. In one-byte form an element mapped to an ID above 14 cannot
// be expressed and is dropped too, as is the element with id `also_drop` (non-zero: one
// packet's exception to the map). Returns false (packet untouched) if it does not parse.
bool rewrite_extension_ids(MutableBytes packet, const ExtensionIdMap& map, uint8_t also_drop = 0);

// Writable data of the first element with this id (for per-hop values such as abs-send-time
// or the transport-wide sequence number).
std::optional<MutableBytes> extension_mut(MutableBytes packet, uint8_t id);

}  // namespace umbrella::rtp
