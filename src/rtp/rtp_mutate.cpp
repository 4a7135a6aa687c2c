#include "rtp/rtp_mutate.hpp"

#include <cstring>

namespace umbrella::rtp {

bool set_marker(MutableBytes packet, bool marker) {
  if (packet.size() < kRtpHeaderSize) return false;
  packet[1] = uint8_t((packet[1] & 0x7F) | (marker ? 0x80 : 0));
  return true;
}

bool set_payload_type(MutableBytes packet, uint8_t payload_type) {
  if (packet.size() < kRtpHeaderSize) return false;
  packet[1] = uint8_t((packet[1] & 0x80) | (payload_type & 0x7F));
  return true;
}

bool set_sequence(MutableBytes packet, uint16_t sequence) {
  if (packet.size() < kRtpHeaderSize) return false;
  store_be16(&packet[2], sequence);
  return true;
}

bool set_timestamp(MutableBytes packet, uint32_t timestamp) {
  if (packet.size() < kRtpHeaderSize) return false;
  store_be32(&packet[4], timestamp);
  return true;
}

bool set_ssrc(MutableBytes packet, uint32_t ssrc) {
  if (packet.size() < kRtpHeaderSize) return false;
  store_be32(&packet[8], ssrc);
  return true;
}

bool rewrite_extension_ids(MutableBytes packet, const ExtensionIdMap& map, uint8_t also_drop) {
  auto parsed = parse_rtp(packet);
  if (!parsed) return false;
  const RtpView& v = *parsed;
  uint8_t* d = packet.data();
  for_each_extension(v, [&](const ExtensionElement& e) {
    uint8_t out = e.id == also_drop ? 0 : map[e.id];
    if (e.header_size == 1) {
      if (out == 0 || out > 14) {
        std::memset(d + e.offset, 0, 1 + size_t(e.length));
      } else {
        d[e.offset] = uint8_t(out << 4 | (e.length - 1));
      }
    } else {
      if (out == 0) {
        std::memset(d + e.offset, 0, 2 + size_t(e.length));
      } else {
        d[e.offset] = out;
      }
    }
    return true;
  });
  return true;
}

std::optional<MutableBytes> extension_mut(MutableBytes packet, uint8_t id) {
  auto parsed = parse_rtp(packet);
  if (!parsed) return std::nullopt;
  std::optional<MutableBytes> found;
  for_each_extension(*parsed, [&](const ExtensionElement& e) {
    if (e.id != id) return true;
    found = packet.subspan(e.data_offset(), e.length);
    return false;
  });
  return found;
}

}  // namespace umbrella::rtp
