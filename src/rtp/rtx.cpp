#include "rtp/rtx.hpp"

#include <cstring>

#include "rtp/rtp_mutate.hpp"

namespace umbrella::rtp {
namespace {

void set_identity(MutableBytes packet, uint8_t payload_type, uint32_t ssrc, uint16_t sequence) {
  set_payload_type(packet, payload_type);
  set_ssrc(packet, ssrc);
  set_sequence(packet, sequence);
}

}  // namespace

size_t rtx_wrap_into(MutableBytes out, Bytes original, const RtxParams& rtx) {
  auto v = parse_rtp(original);
  if (!v) return 0;
  size_t h = v->header_size;
  size_t total = original.size() + 2;
  if (out.size() < total) return 0;
  // Payload first, then header, then OSN: correct even when out aliases original.
  std::memmove(out.data() + h + 2, original.data() + h, original.size() - h);
  std::memmove(out.data(), original.data(), h);
  store_be16(out.data() + h, v->sequence);
  set_identity(out, rtx.payload_type, rtx.ssrc, rtx.sequence);
  return total;
}

bool rtx_wrap(Packet& packet, const RtxParams& rtx) {
  if (!packet || packet.shared()) return false;
  auto v = parse_rtp(packet.span());
  if (!v) return false;
  size_t h = v->header_size;
  uint16_t osn = v->sequence;
  if (!packet.adjust_front(-2)) return false;
  uint8_t* d = packet.data();
  std::memmove(d, d + 2, h);
  store_be16(d + h, osn);
  set_identity(packet.span(), rtx.payload_type, rtx.ssrc, rtx.sequence);
  return true;
}

std::optional<uint16_t> rtx_original_sequence(const RtpView& rtx) {
  if (rtx.payload.size() < 2) return std::nullopt;
  return load_be16(rtx.payload.data());
}

size_t rtx_unwrap_into(MutableBytes out, Bytes rtx, uint8_t original_payload_type,
                       uint32_t original_ssrc) {
  auto v = parse_rtp(rtx);
  if (!v) return 0;
  auto osn = rtx_original_sequence(*v);
  if (!osn) return 0;
  size_t h = v->header_size;
  size_t total = rtx.size() - 2;
  if (out.size() < total) return 0;
  // Copy the tail first: out may alias rtx (unwrapping into the same buffer).
  std::memmove(out.data() + h, rtx.data() + h + 2, rtx.size() - h - 2);
  std::memmove(out.data(), rtx.data(), h);
  set_identity(out, original_payload_type, original_ssrc, *osn);
  return total;
}

bool rtx_unwrap(Packet& packet, uint8_t original_payload_type, uint32_t original_ssrc) {
  if (!packet || packet.shared()) return false;
  auto v = parse_rtp(packet.span());
  if (!v) return false;
  auto osn = rtx_original_sequence(*v);
  if (!osn) return false;
  size_t h = v->header_size;
  uint8_t* d = packet.data();
  std::memmove(d + 2, d, h);
  packet.adjust_front(2);
  set_identity(packet.span(), original_payload_type, original_ssrc, *osn);
  return true;
}

}  // namespace umbrella::rtp
