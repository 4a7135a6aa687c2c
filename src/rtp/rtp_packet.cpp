#include "rtp/rtp_packet.hpp"

namespace umbrella::rtp {

bool looks_like_rtp_or_rtcp(Bytes packet) {
  return packet.size() >= 2 && packet[0] >= 128 && packet[0] <= 191;
}

bool is_rtcp(Bytes packet) {
  return looks_like_rtp_or_rtcp(packet) && packet[1] >= 192 && packet[1] <= 223;
}

Result<RtpView, ParseError> parse_rtp(Bytes packet) {
  if (packet.size() < kRtpHeaderSize) return Err{ParseError::kTooShort};
  if ((packet[0] >> 6) != 2) return Err{ParseError::kBadVersion};
  RtpView v;
  v.packet = packet;
  bool has_padding = packet[0] & 0x20;
  bool has_extension = packet[0] & 0x10;
  v.csrc_count = packet[0] & 0x0F;
  v.marker = packet[1] & 0x80;
  v.payload_type = packet[1] & 0x7F;
  v.sequence = load_be16(&packet[2]);
  v.timestamp = load_be32(&packet[4]);
  v.ssrc = load_be32(&packet[8]);

  size_t pos = kRtpHeaderSize + 4 * size_t(v.csrc_count);
  if (packet.size() < pos) return Err{ParseError::kTooShort};
  if (has_extension) {
    if (packet.size() - pos < 4) return Err{ParseError::kBadExtension};
    v.extension_profile = load_be16(&packet[pos]);
    v.extension_size = size_t(load_be16(&packet[pos + 2])) * 4;
    v.extension_offset = pos + 4;
    if (packet.size() - v.extension_offset < v.extension_size) return Err{ParseError::kBadExtension};
    if (v.extension_profile == kOneByteProfile) {
      v.extension_form = ExtensionForm::kOneByte;
    } else if ((v.extension_profile & 0xFFF0) == kTwoByteProfileBase) {
      v.extension_form = ExtensionForm::kTwoByte;
    } else {
      v.extension_form = ExtensionForm::kOther;
    }
    if (!for_each_extension(v, [](const ExtensionElement&) { return true; }))
      return Err{ParseError::kBadExtension};
    pos = v.extension_offset + v.extension_size;
  }
  v.header_size = pos;

  size_t end = packet.size();
  if (has_padding) {
    v.padding_size = packet.back();
    if (v.padding_size == 0 || v.padding_size > end - pos) return Err{ParseError::kBadPadding};
    end -= v.padding_size;
  }
  v.payload = packet.subspan(pos, end - pos);
  return v;
}

std::optional<Bytes> extension(const RtpView& v, uint8_t id) {
  std::optional<Bytes> found;
  for_each_extension(v, [&](const ExtensionElement& e) {
    if (e.id != id) return true;
    found = v.packet.subspan(e.data_offset(), e.length);
    return false;
  });
  return found;
}

}  // namespace umbrella::rtp
