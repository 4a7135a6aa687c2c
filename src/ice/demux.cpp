#include "ice/demux.hpp"

#include "ice/username.hpp"

namespace umbrella::ice {

DatagramKind classify_datagram(Bytes datagram) {
  if (datagram.empty()) return DatagramKind::kUnknown;
  uint8_t first = datagram[0];
  if (first <= 3) return DatagramKind::kStun;
  if (first >= 20 && first <= 63) return DatagramKind::kDtls;
  if (first >= 128 && first <= 191) return DatagramKind::kRtp;
  return DatagramKind::kUnknown;
}

StunRoute route_stun(const stun::Message& msg) {
  if (!msg.is_binding_request()) return {};
  return {true, local_ufrag_of(msg)};
}

}  // namespace umbrella::ice
