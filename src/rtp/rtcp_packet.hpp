// RTCP common header and compound-packet iteration (RFC 3550 section 6.4, 6.1), plus the
// common layout of RTPFB/PSFB feedback messages (RFC 4585 section 6.1).
#pragma once

#include <cstdint>
#include <optional>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "rtp/parse_error.hpp"

namespace umbrella::rtp {

enum class RtcpType : uint8_t {
  kSr = 200,
  kRr = 201,
  kSdes = 202,
  kBye = 203,
  kApp = 204,
  kRtpfb = 205,
  kPsfb = 206,
  kXr = 207,
};

// FMT values of the feedback messages we handle.
inline constexpr uint8_t kFmtNack = 1;         // RTPFB generic NACK (RFC 4585)
inline constexpr uint8_t kFmtTransportCc = 15; // RTPFB transport-wide CC feedback
inline constexpr uint8_t kFmtPli = 1;          // PSFB picture loss indication (RFC 4585)
inline constexpr uint8_t kFmtFir = 4;          // PSFB full intra request (RFC 5104)
inline constexpr uint8_t kFmtAfb = 15;         // PSFB application layer feedback (REMB)

struct RtcpHeader {
  uint8_t count = 0;  // RC, SC or FMT depending on type
  uint8_t type = 0;
  Bytes packet;       // the whole packet: header, body, padding
  Bytes body;         // after the 4-byte header, padding removed

  uint8_t fmt() const { return count; }
  bool is(RtcpType t) const { return type == uint8_t(t); }
};

// The first RTCP packet in data: version 2, length field ((words - 1) * 4) within data,
// padding count (if P) non-zero and within the packet.
Result<RtcpHeader, ParseError> parse_rtcp_header(Bytes data);

// Walks a compound packet. next() returns packets in order and nullopt at the end or at the
// first malformed one (then error() is set); packets before the bad one were still valid.
class RtcpIterator {
 public:
  explicit RtcpIterator(Bytes compound) : rest_(compound) {}
  std::optional<RtcpHeader> next();
  std::optional<ParseError> error() const { return error_; }

 private:
  Bytes rest_;
  std::optional<ParseError> error_;
};

// The writable bytes of a packet that RtcpIterator yielded from compound (for in-place edits
// such as set_feedback_media_ssrc on feedback being forwarded).
inline MutableBytes writable_part(MutableBytes compound, Bytes part) {
  return compound.subspan(size_t(part.data() - compound.data()), part.size());
}

// True when every packet of the compound parses (and there is at least one).
bool validate_compound(Bytes compound);

// Shared layout of RTPFB (205) and PSFB (206): sender SSRC, media source SSRC, FCI.
struct FeedbackView {
  uint8_t type = 0;
  uint8_t fmt = 0;
  uint32_t sender_ssrc = 0;
  uint32_t media_ssrc = 0;
  Bytes fci;
};
Result<FeedbackView, ParseError> parse_feedback(const RtcpHeader& h);

// In-place edits of a feedback packet being forwarded (the span starts at its RTCP header).
bool set_feedback_sender_ssrc(MutableBytes packet, uint32_t ssrc);
bool set_feedback_media_ssrc(MutableBytes packet, uint32_t ssrc);

// Writes a 4-byte RTCP header for a packet of total_size bytes (a multiple of 4).
void write_rtcp_header(uint8_t* out, uint8_t count, RtcpType type, size_t total_size);

}  // namespace umbrella::rtp
