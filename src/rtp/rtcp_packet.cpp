#include "rtp/rtcp_packet.hpp"

namespace umbrella::rtp {

Result<RtcpHeader, ParseError> parse_rtcp_header(Bytes data) {
  if (data.size() < 4) return Err{ParseError::kTooShort};
  if ((data[0] >> 6) != 2) return Err{ParseError::kBadVersion};
  size_t size = (size_t(load_be16(&data[2])) + 1) * 4;
  if (size > data.size()) return Err{ParseError::kBadLength};
  RtcpHeader h;
  h.count = data[0] & 0x1F;
  h.type = data[1];
  h.packet = data.first(size);
  size_t end = size;
  if (data[0] & 0x20) {
    uint8_t pad = h.packet[size - 1];
    if (pad == 0 || pad > size - 4) return Err{ParseError::kBadPadding};
    end -= pad;
  }
  h.body = h.packet.subspan(4, end - 4);
  return h;
}

std::optional<RtcpHeader> RtcpIterator::next() {
  if (rest_.empty() || error_) return std::nullopt;
  auto h = parse_rtcp_header(rest_);
  if (!h) {
    error_ = h.error();
    rest_ = {};
    return std::nullopt;
  }
  rest_ = rest_.subspan(h->packet.size());
  return *h;
}

bool validate_compound(Bytes compound) {
  RtcpIterator it(compound);
  size_t n = 0;
  while (it.next()) ++n;
  return n > 0 && !it.error();
}

Result<FeedbackView, ParseError> parse_feedback(const RtcpHeader& h) {
  if (!h.is(RtcpType::kRtpfb) && !h.is(RtcpType::kPsfb)) return Err{ParseError::kWrongType};
  if (h.body.size() < 8) return Err{ParseError::kTooShort};
  FeedbackView f;
  f.type = h.type;
  f.fmt = h.fmt();
  f.sender_ssrc = load_be32(&h.body[0]);
  f.media_ssrc = load_be32(&h.body[4]);
  f.fci = h.body.subspan(8);
  return f;
}

bool set_feedback_sender_ssrc(MutableBytes packet, uint32_t ssrc) {
  if (packet.size() < 12) return false;
  store_be32(&packet[4], ssrc);
  return true;
}

bool set_feedback_media_ssrc(MutableBytes packet, uint32_t ssrc) {
  if (packet.size() < 12) return false;
  store_be32(&packet[8], ssrc);
  return true;
}

void write_rtcp_header(uint8_t* out, uint8_t count, RtcpType type, size_t total_size) {
  out[0] = uint8_t(0x80 | (count & 0x1F));
  out[1] = uint8_t(type);
  store_be16(out + 2, uint16_t(total_size / 4 - 1));
}

}  // namespace umbrella::rtp
