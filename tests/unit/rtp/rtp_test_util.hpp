// Small helpers shared by the rtp unit tests.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <vector>

#include "core/bytes.hpp"

namespace umbrella::rtp::test {

using Buf = std::vector<uint8_t>;

inline Buf cat(std::initializer_list<Buf> parts) {
  Buf out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// A fixed RTP header: V=2, given flags, PT 96, seq 0x1234, ts 0x11223344, SSRC 0xAABBCCDD.
inline Buf fixed_header(uint8_t first_byte = 0x80, uint8_t second_byte = 96) {
  return {first_byte, second_byte, 0x12, 0x34, 0x11, 0x22, 0x33, 0x44, 0xAA, 0xBB, 0xCC, 0xDD};
}

}  // namespace umbrella::rtp::test
