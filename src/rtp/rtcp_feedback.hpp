// Feedback messages an SFU relays or generates: generic NACK (RFC 4585 6.2.1), PLI (RFC 4585
// 6.3.1), FIR (RFC 5104 4.3.1) and REMB (draft-alvestrand-rmcat-remb-03).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "rtp/rtcp_packet.hpp"

namespace umbrella::rtp {

struct PliView {
  uint32_t sender_ssrc = 0;
  uint32_t media_ssrc = 0;
};
Result<PliView, ParseError> parse_pli(const RtcpHeader& h);
size_t build_pli(MutableBytes out, uint32_t sender_ssrc, uint32_t media_ssrc);

struct FirEntry {
  uint32_t ssrc = 0;
  uint8_t seq_nr = 0;  // incremented by the sender for each new request
  bool operator==(const FirEntry&) const = default;
};
struct FirView {
  uint32_t sender_ssrc = 0;
  Bytes entries;  // 8 bytes each
  size_t size() const { return entries.size() / 8; }
  FirEntry operator[](size_t i) const {
    return {load_be32(entries.data() + 8 * i), entries[8 * i + 4]};
  }
};
Result<FirView, ParseError> parse_fir(const RtcpHeader& h);
size_t build_fir(MutableBytes out, uint32_t sender_ssrc, std::span<const FirEntry> entries);
// Points every FCI entry of a FIR packet (span starting at its header) at ssrc.
bool set_fir_media_ssrc(MutableBytes packet, uint32_t ssrc);

inline constexpr size_t kMaxNackItems = 256;  // what build_nack will write at most

struct NackView {
  uint32_t sender_ssrc = 0;
  uint32_t media_ssrc = 0;
  Bytes items;  // PID (16) + BLP (16), 4 bytes each
  size_t item_count() const { return items.size() / 4; }

  // Calls fn(uint16_t seq) for every lost sequence number, in packet order.
  template <typename Fn>
  void for_each_lost(Fn&& fn) const {
    for (size_t i = 0; i + 4 <= items.size(); i += 4) {
      uint16_t pid = load_be16(items.data() + i);
      uint16_t blp = load_be16(items.data() + i + 2);
      fn(pid);
      for (int b = 0; b < 16; ++b)
        if (blp & (1u << b)) fn(uint16_t(pid + b + 1));
    }
  }
  // Writes up to out.size() lost sequence numbers; returns how many were written.
  size_t lost(std::span<uint16_t> out) const;
};
Result<NackView, ParseError> parse_nack(const RtcpHeader& h);
// Packs lost (ascending, mod 2^16, for the tightest packing) into PID/BLP items.
size_t build_nack(MutableBytes out, uint32_t sender_ssrc, uint32_t media_ssrc,
                  std::span<const uint16_t> lost);

struct RembView {
  uint32_t sender_ssrc = 0;
  uint64_t bitrate_bps = 0;  // saturates at UINT64_MAX for absurd exponents
  Bytes ssrc_data;
  size_t ssrc_count() const { return ssrc_data.size() / 4; }
  uint32_t ssrc(size_t i) const { return load_be32(ssrc_data.data() + 4 * i); }
};
Result<RembView, ParseError> parse_remb(const RtcpHeader& h);
size_t build_remb(MutableBytes out, uint32_t sender_ssrc, uint64_t bitrate_bps,
                  std::span<const uint32_t> ssrcs);

}  // namespace umbrella::rtp
