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

void DelayHistogram::add(uint64_t ns) {
  ++buckets_[std::min<uint64_t>(ns / kStepNs, kBuckets)];
  ++count_;
  max_ns_ = std::max(max_ns_, ns);
  sum_ns_ += double(ns);
}

void DelayHistogram::merge(const DelayHistogram& o) {
  for (size_t i = 0; i <= kBuckets; ++i) buckets_[i] += o.buckets_[i];
  count_ += o.count_;
  max_ns_ = std::max(max_ns_, o.max_ns_);
  sum_ns_ += o.sum_ns_;
}

double DelayHistogram::percentile_ms(double p) const {
  if (!count_) return 0;
  uint64_t rank = uint64_t(double(count_) * p / 100.0);
  if (rank >= count_) rank = count_ - 1;
  uint64_t seen = 0;
  for (size_t i = 0; i <= kBuckets; ++i) {
    seen += buckets_[i];
    if (seen > rank) return double((i + 1) * kStepNs) / 1e6;  // bucket's upper edge
  }
  return max_ms();
}

void DelayHistogram::clear() {
  std::fill(buckets_.begin(), buckets_.end(), 0);
  count_ = max_ns_ = 0;
  sum_ns_ = 0;
}

}  // namespace umbrella::loadgen
