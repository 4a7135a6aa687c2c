// What was sent on one transport, by transport-wide sequence number: a fixed ring, so
// recording a packet is a store and finding it for feedback is one index (no allocation, no
// scan). Older entries are overwritten; feedback about them is ignored. Every subscriber has
// one, so an entry is 9 bytes: the send time's low 32 bits (entries are seconds old, not the
// 71 minutes that wrap them), the size in 12 bits and the probe cluster apart.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace umbrella::bwe {

struct SentPacket {
  int64_t send_us = 0;
  uint16_t seq = 0;
  uint16_t size = 0;     // up to 4095 (larger is recorded as 4095)
  int8_t cluster = -1;   // probe cluster, -1 for media
  bool reported = false; // feedback said received (counted once)
};

class SendHistory {
 public:
  static constexpr size_t kSize = 1024;  // ~5 s of 2 Mbit/s; feedback comes every 50-100 ms

  void add(uint16_t seq, size_t size, int64_t send_us, int cluster) {
    if (send_us > newest_us_) newest_us_ = send_us;
    size_t i = seq & (kSize - 1);
    ring_[i] = {uint32_t(send_us), seq, uint16_t(kUsed | (size > kMaxSize ? kMaxSize : size))};
    clusters_[i] = int8_t(cluster);
  }
  std::optional<SentPacket> find(uint16_t seq) const {
    size_t i = seq & (kSize - 1);
    const Slot& s = ring_[i];
    if (!(s.bits & kUsed) || s.seq != seq) return std::nullopt;
    int64_t age = int64_t(uint32_t(uint32_t(newest_us_) - s.send_us));
    return SentPacket{newest_us_ - age, seq, uint16_t(s.bits & kMaxSize), clusters_[i], bool(s.bits & kReported)};
  }
  void set_reported(uint16_t seq) {
    Slot& s = ring_[seq & (kSize - 1)];
    if (s.seq == seq) s.bits |= kReported;
  }

 private:
  static constexpr uint16_t kMaxSize = 0x0fff, kReported = 0x1000, kUsed = 0x2000;
  struct Slot {
    uint32_t send_us = 0;  // low 32 bits
    uint16_t seq = 0;
    uint16_t bits = 0;     // size, kReported, kUsed
  };
  std::array<Slot, kSize> ring_{};
  std::array<int8_t, kSize> clusters_{};
  int64_t newest_us_ = 0;
};

}  // namespace umbrella::bwe
