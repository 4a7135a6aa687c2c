// The trunk handshake's arithmetic (proto/umbrella.proto, TrunkChallenge): each side proves it
// knows the shared secret with an HMAC-SHA256 over both fresh nonces and both site ids, under
// a label per direction, so the secret never crosses the wire, one side's proof never serves
// as the other's, and a recorded handshake is useless against the next nonce.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "core/bytes.hpp"

namespace umbrella::server {

inline constexpr size_t kTrunkNonceBytes = 32;
using TrunkNonce = std::array<uint8_t, kTrunkNonceBytes>;
using TrunkMac = std::array<uint8_t, 32>;

enum class TrunkSide { kDialler, kAcceptor };

struct TrunkHandshake {
  Bytes challenge;  // the acceptor's nonce
  Bytes response;   // the dialler's nonce
  std::string_view dialler_site, acceptor_site;
};

TrunkNonce trunk_nonce();
// What `side` sends to prove it knows `secret`.
TrunkMac trunk_mac(std::string_view secret, TrunkSide side, const TrunkHandshake& h);
// Checks the other side's proof in constant time (a wrong length is simply wrong).
bool trunk_mac_ok(std::string_view secret, TrunkSide side, const TrunkHandshake& h, Bytes mac);

}  // namespace umbrella::server
