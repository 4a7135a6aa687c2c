// One-port demultiplexing decisions (RFC 7983 section 7, plus ICE's USERNAME), kept pure so
// the media port's choice can be tested and fuzzed without sockets: what a datagram is by
// its first byte, and which key finds the transport of a STUN message.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/bytes.hpp"
#include "stun/message.hpp"

namespace umbrella::ice {

// 0-3 STUN, 20-63 DTLS, 128-191 RTP/RTCP. The other ranges (ZRTP 16-19, TURN channels
// 64-79) are not used here and, like an empty datagram, are kUnknown.
enum class DatagramKind : uint8_t { kStun, kDtls, kRtp, kUnknown };
DatagramKind classify_datagram(Bytes datagram);

// A binding request is a first contact: its transport is the one whose local ufrag is the
// USERNAME part before ':' (nullopt: none named, no transport). Every other STUN message
// (responses to a transport's own checks, indications) goes by source address.
struct StunRoute {
  bool by_ufrag = false;
  std::optional<std::string_view> ufrag;  // by_ufrag only; a view into the message
};
StunRoute route_stun(const stun::Message& msg);

}  // namespace umbrella::ice
