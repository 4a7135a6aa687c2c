// The load governor on virtual time: steps up while copies wait too long, back down only after
// a calm hold that grows when stepping back brought the overload back.
#include <doctest/doctest.h>

#include "sfu/load_governor.hpp"

using namespace umbrella;
using namespace umbrella::sfu;

namespace {
Instant t0() { return Instant{} + seconds(1000); }
const LoadSample kCalm{10000, 0, 0, 0.5};
const LoadSample kBehind{10000, 2000, 0, 1.0};
const LoadSample kBusy{10000, 100, 0, 1.0};  // a few late copies: not overloaded, not calm
}  // namespace

TEST_CASE("load governor: steps up under overload, a step every 2 s, to the top") {
  LoadGovernor g;
  Instant now = t0();
  CHECK_FALSE(g.on_sample(kCalm, now));
  CHECK(g.level() == 0);
  CHECK(g.on_sample(kBehind, now += kLoadTick));
  CHECK(g.level() == 1);
  for (int i = 0; i < 3; ++i) CHECK_FALSE(g.on_sample(kBehind, now += kLoadTick));  // still taking effect
  CHECK(g.on_sample(kBehind, now += kLoadTick));
  CHECK(g.level() == 2);
  for (int i = 0; i < 10; ++i) g.on_sample(kBehind, now += kLoadTick);
  CHECK(g.level() == kMaxLoadLevel);
  // A stale drop alone is overload.
  LoadGovernor h;
  CHECK(h.on_sample({100, 0, 1, 0.2}, t0()));
  // 4% late is not; a sample with nothing forwarded is calm.
  CHECK_FALSE(h.on_sample({10000, 400, 0, 1.0}, t0() + seconds(5)));
  CHECK(h.level() == 1);
  // Many late copies from a thread with time to spare: a burst (a keyframe to everyone), not
  // overload.
  CHECK_FALSE(h.on_sample({10000, 6000, 0, 0.6}, t0() + seconds(10)));
  CHECK(h.level() == 1);
}

TEST_CASE("load governor: steps back after a calm hold, which doubles when the overload returns") {
  LoadGovernor g;
  Instant now = t0();
  g.on_sample(kBehind, now);
  REQUIRE(g.level() == 1);
  Duration calm_for{};
  while (g.level() == 1) {
    g.on_sample(kCalm, now += kLoadTick);
    calm_for += kLoadTick;
  }
  CHECK(calm_for >= seconds(4));
  CHECK(calm_for <= seconds(5));
  // A burst right after the step back is the step's own (everyone switching layer): ignored.
  CHECK_FALSE(g.on_sample(kBehind, now += kLoadTick));
  CHECK(g.level() == 0);
  // Still overloaded once that settled: back up, and the next step back waits twice as long.
  CHECK(g.on_sample(kBehind, now += seconds(2)));
  CHECK(g.level() == 1);
  CHECK(g.hold() == seconds(8));
  calm_for = {};
  while (g.level() == 1) {
    g.on_sample(kCalm, now += kLoadTick);
    calm_for += kLoadTick;
  }
  CHECK(calm_for >= seconds(8));
  // Merely busy samples neither raise nor count as calm.
  g.on_sample(kBehind, now += seconds(30));
  REQUIRE(g.level() == 1);
  for (int i = 0; i < 100; ++i) g.on_sample(kBusy, now += kLoadTick);
  CHECK(g.level() == 1);
  CHECK(g.raises() == 3);
  CHECK(g.lowers() == 2);
}
