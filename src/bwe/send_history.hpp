// What was sent on one transport, by transport-wide sequence number: a fixed ring, so
// recording a packet is a store and finding it for feedback is one index (no allocation, no
// scan). Older entries are overwritten; feedback about them is ignored.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace umbrella::bwe {

struct SentPacket {
  int64_t send_us = -1;  // -1: empty slot
  uint16_t seq = 0;
  uint16_t size = 0;
  int8_t cluster = -1;   // probe cluster, -1 for media
  bool reported = false; // feedback said received (counted once)
};

class SendHistory {
 public:
  static constexpr size_t kSize = 1024;  // ~5 s of 2 Mbit/s; feedback comes every 50-100 ms

  void add(uint16_t seq, size_t size, int64_t send_us, int cluster) {
    ring_[seq & (kSize - 1)] = {send_us, seq, uint16_t(size > 0xFFFF ? 0xFFFF : size), int8_t(cluster), false};
  }
  SentPacket* find(uint16_t seq) {
    SentPacket& p = ring_[seq & (kSize - 1)];
    return p.send_us >= 0 && p.seq == seq ? &p : nullptr;
  }

 private:
  std::array<SentPacket, kSize> ring_{};
};

}  // namespace umbrella::bwe
