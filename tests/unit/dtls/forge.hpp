// Forged DTLS records for the abuse tests and the fuzz seeds: what a stranger who spoofs a
// peer's address can send without knowing any key.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "core/bytes.hpp"

namespace umbrella::dtls::test {

inline std::vector<uint8_t> record(uint8_t type, uint16_t epoch, uint64_t seq, const std::vector<uint8_t>& body,
                                   uint16_t version = 0xfefd) {
  std::vector<uint8_t> r(13 + body.size());
  r[0] = type;
  store_be16(&r[1], version);
  store_be16(&r[3], epoch);
  store_be16(&r[5], uint16_t(seq >> 32));
  store_be32(&r[7], uint32_t(seq));
  store_be16(&r[11], uint16_t(body.size()));
  std::copy(body.begin(), body.end(), r.begin() + 13);
  return r;
}

inline std::vector<uint8_t> handshake_fragment(uint8_t type, uint32_t length, uint16_t seq, uint32_t offset,
                                               const std::vector<uint8_t>& fragment) {
  std::vector<uint8_t> h(12);
  h[0] = type;
  store_be24(&h[1], length);
  store_be16(&h[4], seq);
  store_be24(&h[6], offset);
  store_be24(&h[9], uint32_t(fragment.size()));
  // Appended, not copied into a presized vector: GCC 12 then warns -Warray-bounds wrongly.
  h.insert(h.end(), fragment.begin(), fragment.end());
  return h;
}

// The datagram of issue 12: a ClientHello fragment claiming a 16 MiB message, 30 bytes of it
// at offset 0xffff00. mbedTLS ended a connected association on it (-0x7900).
inline std::vector<uint8_t> issue12_fragment() {
  std::vector<uint8_t> d = {0x16, 0xfe, 0xfd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64, 0x00, 0x2a,
                            0x01, 0xff, 0xff, 0xff, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x1e};
  for (int i = 0; i < 30; ++i) d.push_back(uint8_t(0xa0 + i));
  return d;
}

inline std::vector<uint8_t> random_bytes(std::mt19937& rng, size_t n) {
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = uint8_t(rng());
  return v;
}

// A record of the given type and epoch whose body is random bytes.
inline std::vector<uint8_t> junk_record(std::mt19937& rng, uint8_t type, uint16_t epoch, size_t n) {
  return record(type, epoch, rng() % 1000, random_bytes(rng, n));
}

}  // namespace umbrella::dtls::test
