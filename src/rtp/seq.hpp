// 16-bit RTP sequence number arithmetic (RFC 3550 / RFC 1982 serial numbers).
#pragma once

#include <cstdint>

namespace umbrella::rtp {

// True when a is after b in 16-bit serial order (a distance of exactly 2^15 counts as newer
// when a > b, so the relation is total and antisymmetric).
constexpr bool seq_newer(uint16_t a, uint16_t b) {
  uint16_t d = uint16_t(a - b);
  if (d == 0x8000) return a > b;
  return d != 0 && d < 0x8000;
}

// Forward distance from b to a (a - b mod 2^16), as a signed value in [-2^15, 2^15).
constexpr int32_t seq_diff(uint16_t a, uint16_t b) { return int16_t(uint16_t(a - b)); }

// Unwraps 16-bit sequence numbers into a monotone 64-bit space around the last value seen.
// The first value maps to itself plus 2^16 so that a few reordered older packets stay positive.
class SeqUnwrapper {
 public:
  int64_t unwrap(uint16_t seq) {
    if (!has_last_) {
      has_last_ = true;
      last_ = int64_t(seq) + 0x10000;
      return last_;
    }
    int64_t v = last_ + seq_diff(seq, uint16_t(last_));
    if (v > last_) last_ = v;
    return v;
  }
  // Without updating state: where seq would land.
  int64_t peek(uint16_t seq) const {
    return has_last_ ? last_ + seq_diff(seq, uint16_t(last_)) : int64_t(seq) + 0x10000;
  }
  bool started() const { return has_last_; }
  int64_t last() const { return last_; }
  void reset() { has_last_ = false; last_ = 0; }

 private:
  bool has_last_ = false;
  int64_t last_ = 0;
};

}  // namespace umbrella::rtp
