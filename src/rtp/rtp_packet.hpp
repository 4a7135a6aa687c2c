// RTP fixed header and header extensions (RFC 3550 section 5.1, RFC 8285), parsed as a view.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "rtp/parse_error.hpp"

namespace umbrella::rtp {

inline constexpr size_t kRtpHeaderSize = 12;
inline constexpr uint16_t kOneByteProfile = 0xBEDE;
inline constexpr uint16_t kTwoByteProfileBase = 0x1000;  // 0x100X, X = "appbits"

// RFC 7983 demultiplexing: RTP and RTCP both start with a byte in 128..191.
bool looks_like_rtp_or_rtcp(Bytes packet);
// RFC 5761 section 4: second byte in 192..223 means RTCP (when multiplexed with RTP).
bool is_rtcp(Bytes packet);

enum class ExtensionForm : uint8_t { kNone, kOneByte, kTwoByte, kOther };

struct RtpView {
  Bytes packet;                  // the whole packet, padding included
  bool marker = false;
  uint8_t payload_type = 0;
  uint16_t sequence = 0;
  uint32_t timestamp = 0;
  uint32_t ssrc = 0;
  uint8_t csrc_count = 0;
  uint8_t padding_size = 0;      // trailing bytes, count byte included; 0 when P is clear
  ExtensionForm extension_form = ExtensionForm::kNone;
  uint16_t extension_profile = 0;
  size_t extension_offset = 0;   // start of the extension elements (after the 4-byte block header)
  size_t extension_size = 0;     // bytes of elements (block length * 4)
  size_t header_size = 0;        // offset of the payload
  Bytes payload;                 // between header and padding

  uint32_t csrc(size_t i) const { return load_be32(packet.data() + kRtpHeaderSize + 4 * i); }
  Bytes extension_block() const { return packet.subspan(extension_offset, extension_size); }
};

// Checks version, CSRC list, extension block (and, for RFC 8285 forms, every element) and
// padding against the packet length.
Result<RtpView, ParseError> parse_rtp(Bytes packet);

// One RFC 8285 element: offset is from the packet start to the element's ID byte.
struct ExtensionElement {
  uint8_t id;
  uint8_t header_size;  // 1 (one-byte form) or 2 (two-byte form)
  uint8_t length;       // data bytes
  size_t offset;
  size_t data_offset() const { return offset + header_size; }
};

// Walks the elements of an RFC 8285 block in packet order, skipping padding bytes and
// stopping at ID 15 in one-byte form. fn(const ExtensionElement&) returns false to stop.
// Returns false if an element overruns the block.
template <typename Fn>
bool for_each_extension(Bytes packet, ExtensionForm form, size_t offset, size_t size, Fn&& fn) {
  if (form != ExtensionForm::kOneByte && form != ExtensionForm::kTwoByte) return true;
  if (offset > packet.size() || size > packet.size() - offset) return false;
  const uint8_t* d = packet.data() + offset;
  size_t pos = 0;
  while (pos < size) {
    if (d[pos] == 0) {  // padding byte in either form
      ++pos;
      continue;
    }
    ExtensionElement e{};
    if (form == ExtensionForm::kOneByte) {
      e.id = d[pos] >> 4;
      if (e.id == 15) return true;  // reserved: stop processing (RFC 8285 section 4.2)
      e.header_size = 1;
      e.length = uint8_t((d[pos] & 0x0F) + 1);
    } else {
      if (size - pos < 2) return false;
      e.id = d[pos];
      e.header_size = 2;
      e.length = d[pos + 1];
    }
    if (size - pos < size_t(e.header_size) + e.length) return false;
    e.offset = offset + pos;
    if (!fn(static_cast<const ExtensionElement&>(e))) return true;
    pos += e.header_size + e.length;
  }
  return true;
}

template <typename Fn>
bool for_each_extension(const RtpView& v, Fn&& fn) {
  return for_each_extension(v.packet, v.extension_form, v.extension_offset, v.extension_size,
                            static_cast<Fn&&>(fn));
}

// The data of the first element with this id, if present.
std::optional<Bytes> extension(const RtpView& v, uint8_t id);

}  // namespace umbrella::rtp
