#include "rtp/rtp_builder.hpp"

#include "rtp/rtp_packet.hpp"

namespace umbrella::rtp {

size_t write_rtp_header(MutableBytes out, const RtpHeader& header,
                        std::span<const ExtensionValue> extensions) {
  bool one_byte = true;
  size_t elements = 0;
  for (const auto& e : extensions) {
    if (e.id == 0 || e.data.size() > 255) return 0;
    if (e.id > 14 || e.data.empty() || e.data.size() > 16) one_byte = false;
  }
  for (const auto& e : extensions) elements += (one_byte ? 1 : 2) + e.data.size();
  size_t words = (elements + 3) / 4;
  if (words > 0xFFFF) return 0;

  ByteWriter w(out);
  w.u8(uint8_t(0x80 | (extensions.empty() ? 0 : 0x10)));
  w.u8(uint8_t((header.marker ? 0x80 : 0) | (header.payload_type & 0x7F)));
  w.u16(header.sequence);
  w.u32(header.timestamp);
  w.u32(header.ssrc);
  if (!extensions.empty()) {
    w.u16(one_byte ? kOneByteProfile : kTwoByteProfileBase);
    w.u16(uint16_t(words));
    for (const auto& e : extensions) {
      if (one_byte) {
        w.u8(uint8_t(e.id << 4 | (e.data.size() - 1)));
      } else {
        w.u8(e.id);
        w.u8(uint8_t(e.data.size()));
      }
      w.bytes(e.data);
    }
    w.zeros(words * 4 - elements);
  }
  return w.ok() ? w.size() : 0;
}

size_t write_rtp_packet(MutableBytes out, const RtpHeader& header,
                        std::span<const ExtensionValue> extensions, Bytes payload,
                        uint8_t padding_size) {
  size_t n = write_rtp_header(out, header, extensions);
  if (n == 0) return 0;
  ByteWriter w(out.subspan(n));
  w.bytes(payload);
  if (padding_size > 0) {
    w.zeros(padding_size - 1u);
    w.u8(padding_size);
    out[0] |= 0x20;
  }
  return w.ok() ? n + w.size() : 0;
}

}  // namespace umbrella::rtp
