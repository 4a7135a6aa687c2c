// Which records of an incoming datagram mbedTLS gets to see. Someone who spoofs the peer's
// address can send anything; mbedTLS 2.28 ends the association on some of it (an epoch-0
// ClientHello after the handshake is a "reconnect" it cannot parse: -0x7900; a handshake
// record whose fragment header does not fit; a CCS of the wrong size; any epoch-0 alert).
// RFC 6347 4.1.2.7: invalid records are silently discarded. So before mbedTLS:
//   - records that do not frame (record.hpp) are dropped, with the rest of the datagram;
//   - epoch 0 is plaintext and unauthenticated: during the handshake only the messages the
//     peer may send in its role pass (a ClientHello only as an exact retransmission of the
//     accepted one), a CCS only as the one byte 1, alerts never; after the handshake nothing
//     at epoch 0 passes (the peer's retransmitted final flight matters only by its Finished,
//     which is at epoch 1 and authenticated);
//   - epoch 1 passes once mbedTLS reads it (or after a CCS earlier in the same datagram), and
//     there mbedTLS authenticates it; epochs above 1 never exist (no renegotiation).
// Pure: datagram and state in, the kept records out, every drop counted.
#pragma once

#include "core/bytes.hpp"
#include "dtls/counters.hpp"
#include "dtls/role.hpp"

namespace umbrella::dtls {

class ClientHelloAssembler;

enum class Phase : uint8_t {
  kAwaitingClientHello,  // server: no ClientHello accepted yet (mbedTLS cannot be hurt, only reset)
  kHandshake,
  kConnected,
};

struct FilterState {
  Role role = Role::kServer;
  Phase phase = Phase::kHandshake;
  bool epoch1_readable = false;  // mbedTLS has processed the peer's ChangeCipherSpec
  // Server: recognises a retransmitted ClientHello and the accepted one's message_seq.
  const ClientHelloAssembler* hello = nullptr;
};

// The records of `datagram` to hand to mbedTLS, in order: `datagram` itself when all pass,
// else the kept ones copied into `scratch` (at least datagram.size() bytes), possibly empty.
Bytes filter_datagram(Bytes datagram, const FilterState& state, MutableBytes scratch, DtlsCounters& counters);

}  // namespace umbrella::dtls
