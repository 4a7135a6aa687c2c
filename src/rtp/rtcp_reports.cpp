#include "rtp/rtcp_reports.hpp"

namespace umbrella::rtp {
namespace {

void write_block(ByteWriter& w, const ReportBlock& b) {
  int32_t lost = b.cumulative_lost;
  if (lost > 0x7FFFFF) lost = 0x7FFFFF;
  if (lost < -0x800000) lost = -0x800000;
  w.u32(b.ssrc);
  w.u8(b.fraction_lost);
  w.u24(uint32_t(lost) & 0xFFFFFF);
  w.u32(b.extended_highest_seq);
  w.u32(b.jitter);
  w.u32(b.lsr);
  w.u32(b.dlsr);
}

size_t pad_to_word(ByteWriter& w) {
  w.zeros((4 - w.size() % 4) % 4);
  return w.size();
}

}  // namespace

ReportBlock ReportBlocks::operator[](size_t i) const {
  const uint8_t* p = data_.data() + i * kReportBlockSize;
  ReportBlock b;
  b.ssrc = load_be32(p);
  b.fraction_lost = p[4];
  uint32_t lost = load_be24(p + 5);
  b.cumulative_lost = int32_t(lost << 8) >> 8;  // sign-extend 24 bits
  b.extended_highest_seq = load_be32(p + 8);
  b.jitter = load_be32(p + 12);
  b.lsr = load_be32(p + 16);
  b.dlsr = load_be32(p + 20);
  return b;
}

Result<SenderReportView, ParseError> parse_sr(const RtcpHeader& h) {
  if (!h.is(RtcpType::kSr)) return Err{ParseError::kWrongType};
  ByteReader r(h.body);
  SenderReportView v;
  v.ssrc = r.u32();
  v.info.ntp_timestamp = r.u64();
  v.info.rtp_timestamp = r.u32();
  v.info.packet_count = r.u32();
  v.info.octet_count = r.u32();
  Bytes blocks = r.bytes(h.count * kReportBlockSize);
  if (!r.ok()) return Err{ParseError::kTooShort};
  v.blocks = ReportBlocks(blocks, h.count);
  v.profile_extension = r.rest();
  return v;
}

Result<ReceiverReportView, ParseError> parse_rr(const RtcpHeader& h) {
  if (!h.is(RtcpType::kRr)) return Err{ParseError::kWrongType};
  ByteReader r(h.body);
  ReceiverReportView v;
  v.ssrc = r.u32();
  Bytes blocks = r.bytes(h.count * kReportBlockSize);
  if (!r.ok()) return Err{ParseError::kTooShort};
  v.blocks = ReportBlocks(blocks, h.count);
  v.profile_extension = r.rest();
  return v;
}

Result<SdesView, ParseError> parse_sdes(const RtcpHeader& h) {
  if (!h.is(RtcpType::kSdes)) return Err{ParseError::kWrongType};
  ByteReader r(h.body);
  SdesView v;
  v.count = h.count;
  for (size_t i = 0; i < v.count; ++i) {
    SdesChunk& c = v.chunks[i];
    c.ssrc = r.u32();
    for (;;) {
      uint8_t type = r.u8();
      if (!r.ok()) return Err{ParseError::kTooShort};
      if (type == 0) {
        // The terminating null plus padding to the next 32-bit boundary (body starts aligned).
        if (!r.skip((4 - r.position() % 4) % 4)) return Err{ParseError::kTooShort};
        break;
      }
      uint8_t len = r.u8();
      Bytes text = r.bytes(len);
      if (!r.ok()) return Err{ParseError::kTooShort};
      if (type == 1 && c.cname.empty()) c.cname = as_string_view(text);
    }
  }
  return v;
}

Result<ByeView, ParseError> parse_bye(const RtcpHeader& h) {
  if (!h.is(RtcpType::kBye)) return Err{ParseError::kWrongType};
  ByteReader r(h.body);
  ByeView v;
  v.count = h.count;
  v.ssrc_data = r.bytes(4 * v.count);
  if (!r.ok()) return Err{ParseError::kTooShort};
  if (!r.empty()) {
    uint8_t len = r.u8();
    Bytes reason = r.bytes(len);
    if (!r.ok()) return Err{ParseError::kBadLength};
    v.reason = as_string_view(reason);
  }
  return v;
}

size_t build_sr(MutableBytes out, uint32_t ssrc, const SenderInfo& info,
                std::span<const ReportBlock> blocks) {
  if (blocks.size() > kMaxReportBlocks) return 0;
  ByteWriter w(out);
  w.zeros(4);
  w.u32(ssrc);
  w.u64(info.ntp_timestamp);
  w.u32(info.rtp_timestamp);
  w.u32(info.packet_count);
  w.u32(info.octet_count);
  for (const auto& b : blocks) write_block(w, b);
  if (!w.ok()) return 0;
  write_rtcp_header(out.data(), uint8_t(blocks.size()), RtcpType::kSr, w.size());
  return w.size();
}

size_t build_rr(MutableBytes out, uint32_t ssrc, std::span<const ReportBlock> blocks) {
  if (blocks.size() > kMaxReportBlocks) return 0;
  ByteWriter w(out);
  w.zeros(4);
  w.u32(ssrc);
  for (const auto& b : blocks) write_block(w, b);
  if (!w.ok()) return 0;
  write_rtcp_header(out.data(), uint8_t(blocks.size()), RtcpType::kRr, w.size());
  return w.size();
}

size_t build_sdes_cname(MutableBytes out, uint32_t ssrc, std::string_view cname) {
  if (cname.empty() || cname.size() > 255) return 0;
  ByteWriter w(out);
  w.zeros(4);
  w.u32(ssrc);
  w.u8(1);  // CNAME
  w.u8(uint8_t(cname.size()));
  w.bytes(as_bytes(cname));
  w.u8(0);  // end of item list, then pad to 32 bits
  pad_to_word(w);
  if (!w.ok()) return 0;
  write_rtcp_header(out.data(), 1, RtcpType::kSdes, w.size());
  return w.size();
}

size_t build_bye(MutableBytes out, std::span<const uint32_t> ssrcs, std::string_view reason) {
  if (ssrcs.size() > 31 || reason.size() > 255) return 0;
  ByteWriter w(out);
  w.zeros(4);
  for (uint32_t s : ssrcs) w.u32(s);
  if (!reason.empty()) {
    w.u8(uint8_t(reason.size()));
    w.bytes(as_bytes(reason));
    pad_to_word(w);
  }
  if (!w.ok()) return 0;
  write_rtcp_header(out.data(), uint8_t(ssrcs.size()), RtcpType::kBye, w.size());
  return w.size();
}

}  // namespace umbrella::rtp
