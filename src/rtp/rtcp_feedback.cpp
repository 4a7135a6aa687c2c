#include "rtp/rtcp_feedback.hpp"

#include <limits>

namespace umbrella::rtp {
namespace {

Result<FeedbackView, ParseError> feedback_of(const RtcpHeader& h, RtcpType type, uint8_t fmt) {
  if (!h.is(type) || h.fmt() != fmt) return Err{ParseError::kWrongType};
  return parse_feedback(h);
}

// Common 12 bytes of a feedback message; the header's length is patched by finish().
void start_feedback(ByteWriter& w, uint32_t sender_ssrc, uint32_t media_ssrc) {
  w.zeros(4);
  w.u32(sender_ssrc);
  w.u32(media_ssrc);
}

size_t finish(MutableBytes out, ByteWriter& w, uint8_t fmt, RtcpType type) {
  if (!w.ok()) return 0;
  write_rtcp_header(out.data(), fmt, type, w.size());
  return w.size();
}

}  // namespace

Result<PliView, ParseError> parse_pli(const RtcpHeader& h) {
  auto f = feedback_of(h, RtcpType::kPsfb, kFmtPli);
  if (!f) return Err{f.error()};
  return PliView{f->sender_ssrc, f->media_ssrc};
}

size_t build_pli(MutableBytes out, uint32_t sender_ssrc, uint32_t media_ssrc) {
  ByteWriter w(out);
  start_feedback(w, sender_ssrc, media_ssrc);
  return finish(out, w, kFmtPli, RtcpType::kPsfb);
}

Result<FirView, ParseError> parse_fir(const RtcpHeader& h) {
  auto f = feedback_of(h, RtcpType::kPsfb, kFmtFir);
  if (!f) return Err{f.error()};
  if (f->fci.empty() || f->fci.size() % 8 != 0) return Err{ParseError::kBadLength};
  return FirView{f->sender_ssrc, f->fci};
}

size_t build_fir(MutableBytes out, uint32_t sender_ssrc, std::span<const FirEntry> entries) {
  if (entries.empty()) return 0;
  ByteWriter w(out);
  start_feedback(w, sender_ssrc, 0);  // media source SSRC is unused (RFC 5104 4.3.1.2)
  for (const auto& e : entries) {
    w.u32(e.ssrc);
    w.u8(e.seq_nr);
    w.zeros(3);
  }
  return finish(out, w, kFmtFir, RtcpType::kPsfb);
}

bool set_fir_media_ssrc(MutableBytes packet, uint32_t ssrc) {
  auto h = parse_rtcp_header(packet);
  if (!h) return false;
  auto fir = parse_fir(*h);
  if (!fir) return false;
  for (size_t off = 12; off + 8 <= 12 + fir->entries.size(); off += 8) store_be32(&packet[off], ssrc);
  return true;
}

size_t NackView::lost(std::span<uint16_t> out) const {
  size_t n = 0;
  for_each_lost([&](uint16_t seq) {
    if (n < out.size()) out[n++] = seq;
  });
  return n;
}

Result<NackView, ParseError> parse_nack(const RtcpHeader& h) {
  auto f = feedback_of(h, RtcpType::kRtpfb, kFmtNack);
  if (!f) return Err{f.error()};
  if (f->fci.empty() || f->fci.size() % 4 != 0) return Err{ParseError::kBadLength};
  return NackView{f->sender_ssrc, f->media_ssrc, f->fci};
}

size_t build_nack(MutableBytes out, uint32_t sender_ssrc, uint32_t media_ssrc,
                  std::span<const uint16_t> lost) {
  if (lost.empty()) return 0;
  ByteWriter w(out);
  start_feedback(w, sender_ssrc, media_ssrc);
  size_t items = 0;
  size_t i = 0;
  while (i < lost.size()) {
    uint16_t pid = lost[i++];
    uint16_t blp = 0;
    while (i < lost.size()) {
      uint16_t d = uint16_t(lost[i] - pid);
      if (d == 0) { ++i; continue; }  // duplicate
      if (d > 16) break;
      blp = uint16_t(blp | (1u << (d - 1)));
      ++i;
    }
    if (++items > kMaxNackItems) return 0;
    w.u16(pid);
    w.u16(blp);
  }
  return finish(out, w, kFmtNack, RtcpType::kRtpfb);
}

Result<RembView, ParseError> parse_remb(const RtcpHeader& h) {
  auto f = feedback_of(h, RtcpType::kPsfb, kFmtAfb);
  if (!f) return Err{f.error()};
  ByteReader r(f->fci);
  Bytes id = r.bytes(4);
  uint8_t count = r.u8();
  uint32_t br = r.u24();
  Bytes ssrcs = r.bytes(size_t(count) * 4);
  if (!r.ok()) return Err{ParseError::kTooShort};
  if (as_string_view(id) != "REMB") return Err{ParseError::kBadContent};
  RembView v;
  v.sender_ssrc = f->sender_ssrc;
  unsigned exp = br >> 18;
  uint64_t mantissa = br & 0x3FFFF;
  // mantissa has 18 bits, so any exponent up to 46 fits in 64 bits.
  v.bitrate_bps = (exp > 46 && mantissa != 0) ? std::numeric_limits<uint64_t>::max()
                                              : mantissa << exp;
  v.ssrc_data = ssrcs;
  return v;
}

size_t build_remb(MutableBytes out, uint32_t sender_ssrc, uint64_t bitrate_bps,
                  std::span<const uint32_t> ssrcs) {
  if (ssrcs.size() > 255) return 0;
  unsigned exp = 0;
  while ((bitrate_bps >> exp) > 0x3FFFF) ++exp;  // round down to what 18 bits can carry
  ByteWriter w(out);
  start_feedback(w, sender_ssrc, 0);
  w.bytes(as_bytes("REMB"));
  w.u8(uint8_t(ssrcs.size()));
  w.u24(uint32_t(exp << 18 | (bitrate_bps >> exp)));
  for (uint32_t s : ssrcs) w.u32(s);
  return finish(out, w, kFmtAfb, RtcpType::kPsfb);
}

}  // namespace umbrella::rtp
