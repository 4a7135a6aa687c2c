// Transport-wide congestion control feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01
// section 3.1): RTPFB FMT 15. Decoding runs into a caller's bounded array; the builder lets
// the SFU answer publishers that negotiated transport-cc.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "rtp/rtcp_packet.hpp"

namespace umbrella::rtp {

inline constexpr int64_t kTwccDeltaUs = 250;          // receive delta tick
inline constexpr int64_t kTwccReferenceUs = 64000;    // reference time tick
// The 24-bit reference time wraps every 2^24 ticks (about 12.4 days). A sender's clock runs
// past that (a steady clock counts from boot), so the builder writes the reference modulo
// this period, as libwebrtc does; receivers compare references modulo it too.
inline constexpr int64_t kTwccReferenceWrapUs = kTwccReferenceUs << 24;

enum class TwccStatus : uint8_t { kNotReceived = 0, kSmallDelta = 1, kLargeDelta = 2 };

struct TwccPacket {
  uint16_t seq = 0;
  TwccStatus status = TwccStatus::kNotReceived;
  int32_t delta = 0;             // receive delta in 250 us ticks (0 if not received)
  int64_t receive_time_us = 0;   // reference time + all deltas so far (0 if not received)
};

struct TwccView {
  uint32_t sender_ssrc = 0;
  uint32_t media_ssrc = 0;
  uint16_t base_seq = 0;
  uint16_t status_count = 0;
  int32_t reference_time = 0;    // signed 24 bits, 64 ms ticks
  uint8_t fb_count = 0;
  Bytes chunks;                  // packet chunks, then receive deltas
  int64_t reference_time_us() const { return int64_t(reference_time) * kTwccReferenceUs; }
};

Result<TwccView, ParseError> parse_twcc(const RtcpHeader& h);

// Decodes statuses and deltas for the first min(status_count, out.size()) packets; the whole
// chunk and delta area is still validated. Returns the number written.
Result<size_t, ParseError> decode_twcc(const TwccView& v, std::span<TwccPacket> out);

// arrival_us[i] is the receive time of transport seq base_seq + i, or kTwccNotReceived.
// At least one entry must be received (the first received one sets the reference time). Returns 0 if out is too small or a delta does not fit in
// 16 bits (split the feedback then). The reference time is written modulo
// kTwccReferenceWrapUs: decoded times equal the arrivals (rounded down to 250 us) minus a
// whole number of wrap periods, the same number for every packet of one feedback.
inline constexpr int64_t kTwccNotReceived = std::numeric_limits<int64_t>::min();
size_t build_twcc(MutableBytes out, uint32_t sender_ssrc, uint32_t media_ssrc, uint8_t fb_count,
                  uint16_t base_seq, std::span<const int64_t> arrival_us);

}  // namespace umbrella::rtp
