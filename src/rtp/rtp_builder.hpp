// Writes an RTP header (RFC 3550) with optional RFC 8285 extensions into a caller's span.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "core/bytes.hpp"

namespace umbrella::rtp {

struct RtpHeader {
  bool marker = false;
  uint8_t payload_type = 0;
  uint16_t sequence = 0;
  uint32_t timestamp = 0;
  uint32_t ssrc = 0;
};

struct ExtensionValue {
  uint8_t id;
  Bytes data;
};

// The one-byte form is used when every element fits it (ID 1..14, 1..16 bytes), otherwise the
// two-byte form (ID 1..255, 0..255 bytes). The block is zero-padded to 32 bits.
// Returns the header size, or 0 if out is too small or an element cannot be expressed.
size_t write_rtp_header(MutableBytes out, const RtpHeader& header,
                        std::span<const ExtensionValue> extensions = {});

// Header, payload, then padding_size bytes of RTP padding (count byte included; 0 = none).
// Returns the packet size or 0.
size_t write_rtp_packet(MutableBytes out, const RtpHeader& header,
                        std::span<const ExtensionValue> extensions, Bytes payload,
                        uint8_t padding_size = 0);

}  // namespace umbrella::rtp
