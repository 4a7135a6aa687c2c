#include "core/delay_histogram.hpp"

#include <bit>

namespace umbrella {

namespace {

size_t bucket_of(uint64_t us) {
  if (us < 16) return size_t(us);
  size_t msb = size_t(63 - std::countl_zero(us));
  size_t shift = msb - 4;
  size_t index = 16 + (msb - 4) * 16 + size_t((us >> shift) - 16);
  return index < DelayHistogram::kBuckets ? index : DelayHistogram::kBuckets - 1;
}

uint64_t upper_bound_of(size_t index) {
  if (index < 16) return index + 1;
  size_t shift = (index - 16) / 16;
  uint64_t sub = (index - 16) % 16;
  return (17 + sub) << shift;
}

}  // namespace

void DelayHistogram::add(uint64_t us) {
  ++buckets_[bucket_of(us)];
  ++count_;
  sum_ += us;
  if (us > max_) max_ = us;
}

void DelayHistogram::merge(const DelayHistogram& other) {
  for (size_t i = 0; i < kBuckets; ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  if (other.max_ > max_) max_ = other.max_;
}

uint64_t DelayHistogram::count_below(uint64_t bound_us) const {
  uint64_t n = 0;
  for (size_t i = 0; i < kBuckets && upper_bound_of(i) <= bound_us; ++i) n += buckets_[i];
  return n;
}

uint64_t DelayHistogram::quantile_us(double q) const {
  if (count_ == 0) return 0;
  uint64_t rank = uint64_t(q * double(count_ - 1)) + 1;  // 1-based rank of the quantile
  uint64_t seen = 0;
  for (size_t i = 0; i < kBuckets; ++i) {
    seen += buckets_[i];
    if (seen >= rank) return upper_bound_of(i) < max_ ? upper_bound_of(i) : max_;
  }
  return max_;
}

}  // namespace umbrella
