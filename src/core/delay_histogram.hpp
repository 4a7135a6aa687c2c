// Delays in microseconds, counted in log-linear buckets (16 per power of two, so any
// quantile is within 1/16 of the truth) without allocating: how long forwarded packets spend
// in the SFU, from the kernel's receive timestamp to the send call.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace umbrella {

class DelayHistogram {
 public:
  static constexpr size_t kBuckets = 16 + 27 * 16;  // up to 2^31 us (about 36 minutes)

  void add(uint64_t us);
  void merge(const DelayHistogram& other);
  uint64_t count() const { return count_; }
  // The upper bound of the bucket holding quantile q (0..1) in microseconds; 0 when empty.
  uint64_t quantile_us(double q) const;
  uint64_t max_us() const { return max_; }
  uint64_t sum_us() const { return sum_; }
  // How many delays were under `bound_us`: exact when it is a bucket boundary (1..16 and
  // (17..32) << n, so every power of two), else it counts up to the boundary below it.
  uint64_t count_below(uint64_t bound_us) const;

 private:
  std::array<uint64_t, kBuckets> buckets_{};
  uint64_t count_ = 0;
  uint64_t sum_ = 0;  // for the mean (Prometheus's _sum); 2^64 us is 580,000 years
  uint64_t max_ = 0;
};

}  // namespace umbrella
