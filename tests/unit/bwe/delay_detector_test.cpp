#include <doctest/doctest.h>

#include "bwe/delay_detector.hpp"

using namespace umbrella::bwe;

namespace {
// Groups of 3 packets every 20 ms; each group arrives `growth_us` later than the one before
// would at a constant delay.
Usage feed(DelayDetector& d, int groups, int64_t growth_us, int64_t& t, int64_t& extra) {
  for (int g = 0; g < groups; ++g) {
    for (int i = 0; i < 3; ++i) d.on_packet(t + i * 1000, t + i * 1000 + 30000 + extra);
    t += 20000;
    extra += growth_us;
  }
  return d.usage();
}
}  // namespace

TEST_CASE("delay detector: steady delay is normal, growing delay is over-use, shrinking under-use") {
  DelayDetector d;
  int64_t t = 0, extra = 0;
  CHECK(feed(d, 100, 0, t, extra) == Usage::kNormal);
  CHECK(feed(d, 30, 2000, t, extra) == Usage::kOverusing);
  CHECK(feed(d, 30, -2000, t, extra) == Usage::kUnderusing);
  CHECK(feed(d, 100, 0, t, extra) == Usage::kNormal);
}

TEST_CASE("delay detector: a burst of arrivals after a stall stays one group") {
  DelayDetector d;
  int64_t t = 0, extra = 0;
  feed(d, 50, 0, t, extra);
  // Ten packets sent 3 ms apart arrive together: queueing released them at once.
  for (int i = 0; i < 10; ++i) d.on_packet(t + i * 3000, t + 60000 + i * 10);
  t += 30000;
  CHECK(feed(d, 50, 0, t, extra) == Usage::kNormal);
}
