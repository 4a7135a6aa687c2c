#include <doctest/doctest.h>

#include "core/delay_histogram.hpp"

using namespace umbrella;

TEST_CASE("delay histogram: quantiles within 1/16, exact below 16 us, max kept") {
  DelayHistogram h;
  CHECK(h.quantile_us(0.5) == 0);
  for (uint64_t us = 1; us <= 1000; ++us) h.add(us);
  CHECK(h.count() == 1000);
  CHECK(h.max_us() == 1000);
  uint64_t p50 = h.quantile_us(0.5), p99 = h.quantile_us(0.99);
  CHECK(p50 >= 500);
  CHECK(p50 <= 500 + 500 / 16 + 1);
  CHECK(p99 >= 990);
  CHECK(p99 <= 1000);  // never above the largest value seen
  DelayHistogram small;
  for (int i = 0; i < 99; ++i) small.add(3);
  small.add(7);
  CHECK(small.quantile_us(0.5) == 4);  // bucket [3, 4)
  CHECK(small.quantile_us(1.0) == 7);
}

TEST_CASE("delay histogram: merge adds counts; huge values land in the last bucket") {
  DelayHistogram a, b;
  a.add(100);
  b.add(200);
  b.add(uint64_t(1) << 40);
  a.merge(b);
  CHECK(a.count() == 3);
  CHECK(a.max_us() == uint64_t(1) << 40);
  CHECK(a.quantile_us(0.0) >= 100);
  CHECK(a.quantile_us(0.0) < 107);
}

TEST_CASE("delay histogram: count below a bucket boundary is exact; the sum is kept and merged") {
  DelayHistogram h;
  for (uint64_t us : {3, 15, 16, 31, 32, 63, 64, 1000}) h.add(us);
  CHECK(h.count_below(16) == 2);  // 3, 15
  CHECK(h.count_below(32) == 4);  // and 16, 31
  CHECK(h.count_below(64) == 6);  // and 32, 63
  CHECK(h.count_below(1024) == 8);
  CHECK(h.count_below(1) == 0);
  CHECK(h.sum_us() == 3 + 15 + 16 + 31 + 32 + 63 + 64 + 1000);
  DelayHistogram other;
  other.add(5);
  h.merge(other);
  CHECK(h.sum_us() == 3 + 15 + 16 + 31 + 32 + 63 + 64 + 1000 + 5);
  CHECK(h.count_below(16) == 3);
}
