// RTX retransmission format (RFC 4588 section 4): the RTX packet carries the original header
// fields except PT/SSRC/sequence, and the original sequence number (OSN) as the first two
// payload bytes. Wrapping in place grows the packet into the Packet's headroom by moving only
// the header two bytes toward the front; the payload never moves.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "core/bytes.hpp"
#include "core/packet_pool.hpp"
#include "rtp/rtp_packet.hpp"

namespace umbrella::rtp {

struct RtxParams {
  uint8_t payload_type;  // the RTX payload type (apt= the original's)
  uint32_t ssrc;         // the RTX stream's SSRC
  uint16_t sequence;     // the RTX stream's own sequence number
};

// Writes the RTX form of original into out. Returns its size, or 0 if original does not parse
// or out is too small.
size_t rtx_wrap_into(MutableBytes out, Bytes original, const RtxParams& rtx);
// In place. Refuses (false, unchanged) a shared packet, one without 2 bytes of headroom, or
// one that does not parse.
bool rtx_wrap(Packet& packet, const RtxParams& rtx);

// The OSN of a parsed RTX packet (nullopt for padding-only packets with no OSN).
std::optional<uint16_t> rtx_original_sequence(const RtpView& rtx);

// Restores the original packet: sequence = OSN, given PT and SSRC, OSN removed.
size_t rtx_unwrap_into(MutableBytes out, Bytes rtx, uint8_t original_payload_type,
                       uint32_t original_ssrc);
bool rtx_unwrap(Packet& packet, uint8_t original_payload_type, uint32_t original_ssrc);

}  // namespace umbrella::rtp
