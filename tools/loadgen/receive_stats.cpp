#include "receive_stats.hpp"

#include <algorithm>

namespace umbrella::loadgen {

bool SequenceTracker::add(uint16_t seq) {
  constexpr int64_t kWindow = 1024;
  auto bit = [&](int64_t ext) -> std::pair<uint64_t&, uint64_t> {
    uint64_t i = uint64_t(ext) % kWindow;
    return {seen_[i / 64], uint64_t(1) << (i % 64)};
  };
  if (!started_) {
    started_ = true;
    first_ = highest_ = seq;
    ++received_;
    auto [w, m] = bit(highest_);
    w |= m;
    return true;
  }
  // Extend relative to the highest: the nearest value with the same low 16 bits.
  int64_t delta = int16_t(uint16_t(seq - uint16_t(highest_)));
  int64_t ext = highest_ + delta;
  if (ext > highest_) {
    for (int64_t e = highest_ + 1; e < ext && e <= highest_ + kWindow; ++e) {
      auto [w, m] = bit(e);
      w &= ~m;
    }
    if (ext - highest_ > kWindow) std::fill(seen_.begin(), seen_.end(), 0);
    highest_ = ext;
  } else {
    if (highest_ - ext >= kWindow || ext < first_) return false;
    auto [w, m] = bit(ext);
    if (w & m) {
      ++duplicates_;
      return false;
    }
    ++reordered_;
  }
  auto [w, m] = bit(ext);
  w |= m;
  ++received_;
  return true;
}

}  // namespace umbrella::loadgen
