// RTCP reports and session packets (RFC 3550 sections 6.4-6.6): SR, RR, SDES, BYE.
// Parsers take a header from RtcpIterator; builders write one packet into a caller's span
// and return its size (0 if it does not fit or the input cannot be expressed).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "rtp/rtcp_packet.hpp"

namespace umbrella::rtp {

inline constexpr size_t kReportBlockSize = 24;
inline constexpr size_t kMaxReportBlocks = 31;

struct ReportBlock {
  uint32_t ssrc = 0;
  uint8_t fraction_lost = 0;      // fixed point /256
  int32_t cumulative_lost = 0;    // 24-bit signed on the wire
  uint32_t extended_highest_seq = 0;
  uint32_t jitter = 0;            // RTP timestamp units
  uint32_t lsr = 0;               // middle 32 bits of the last SR's NTP time
  uint32_t dlsr = 0;              // 1/65536 s since that SR
  bool operator==(const ReportBlock&) const = default;
};

// A view over count report blocks.
class ReportBlocks {
 public:
  ReportBlocks() = default;
  ReportBlocks(Bytes data, size_t count) : data_(data), count_(count) {}
  size_t size() const { return count_; }
  ReportBlock operator[](size_t i) const;

 private:
  Bytes data_;
  size_t count_ = 0;
};

struct SenderInfo {
  uint64_t ntp_timestamp = 0;
  uint32_t rtp_timestamp = 0;
  uint32_t packet_count = 0;
  uint32_t octet_count = 0;
  bool operator==(const SenderInfo&) const = default;
};

struct SenderReportView {
  uint32_t ssrc = 0;
  SenderInfo info;
  ReportBlocks blocks;
  Bytes profile_extension;  // anything after the report blocks
};

struct ReceiverReportView {
  uint32_t ssrc = 0;
  ReportBlocks blocks;
  Bytes profile_extension;
};

Result<SenderReportView, ParseError> parse_sr(const RtcpHeader& h);
Result<ReceiverReportView, ParseError> parse_rr(const RtcpHeader& h);

struct SdesChunk {
  uint32_t ssrc = 0;
  std::string_view cname;  // empty when the chunk has no CNAME item
};
struct SdesView {
  size_t count = 0;
  std::array<SdesChunk, 31> chunks{};
};
Result<SdesView, ParseError> parse_sdes(const RtcpHeader& h);

struct ByeView {
  size_t count = 0;
  Bytes ssrc_data;
  std::string_view reason;
  uint32_t ssrc(size_t i) const { return load_be32(ssrc_data.data() + 4 * i); }
};
Result<ByeView, ParseError> parse_bye(const RtcpHeader& h);

size_t build_sr(MutableBytes out, uint32_t ssrc, const SenderInfo& info,
                std::span<const ReportBlock> blocks = {});
size_t build_rr(MutableBytes out, uint32_t ssrc, std::span<const ReportBlock> blocks = {});
size_t build_sdes_cname(MutableBytes out, uint32_t ssrc, std::string_view cname);
size_t build_bye(MutableBytes out, std::span<const uint32_t> ssrcs, std::string_view reason = {});

}  // namespace umbrella::rtp
