// The load governor on virtual time: steps up while the server stays behind over a 2 s window,
// back down only after a calm hold that grows when stepping back brought the overload back and
// shrinks again once steps back hold.
#include <doctest/doctest.h>

#include <vector>

#include "sfu/load_governor.hpp"

using namespace umbrella;
using namespace umbrella::sfu;

namespace {
Instant t0() { return Instant{} + seconds(1000); }
const LoadSample kCalm{10000, 0, 0, 0.5};
const LoadSample kBehind{10000, 2000, 0, 1.0};
const LoadSample kBusy{10000, 100, 0, 1.0};  // a few late copies at full CPU: not overloaded, not calm

// Feeds s until the level changes or `limit` passes; returns how long that took.
Duration until_change(LoadGovernor& g, const LoadSample& s, Instant& now, Duration limit = seconds(600)) {
  Duration took{};
  while (took < limit) {
    now += kLoadTick;
    took += kLoadTick;
    if (g.on_sample(s, now)) break;
  }
  return took;
}
}  // namespace

TEST_CASE("load governor: steps up under sustained overload, a step every 2 s, to the top") {
  LoadGovernor g;
  Instant now = t0();
  CHECK_FALSE(g.on_sample(kCalm, now));
  CHECK(g.level() == 0);
  // Behind at full CPU over the whole window (2 s).
  for (int i = 0; i < 3; ++i) CHECK_FALSE(g.on_sample(kBehind, now += kLoadTick));
  CHECK(g.on_sample(kBehind, now += kLoadTick));
  CHECK(g.level() == 1);
  for (int i = 0; i < 3; ++i) CHECK_FALSE(g.on_sample(kBehind, now += kLoadTick));  // still taking effect
  CHECK(g.on_sample(kBehind, now += kLoadTick));
  CHECK(g.level() == 2);
  for (int i = 0; i < 10; ++i) g.on_sample(kBehind, now += kLoadTick);
  CHECK(g.level() == kMaxLoadLevel);
}

TEST_CASE("load governor: a burst or a single stall is not overload; a starved thread is") {
  Instant now = t0();
  SUBCASE("a keyframe fanned out to everyone on a thread at 75%") {
    LoadGovernor g;
    for (int i = 0; i < 40; ++i) {
      bool burst = i % 8 == 0;  // every 4 s: 40% of one sample's copies late, that sample at full CPU
      CHECK_FALSE(g.on_sample(burst ? LoadSample{10000, 4000, 0, 1.0} : LoadSample{10000, 0, 0, 0.75}, now += kLoadTick));
    }
    CHECK(g.level() == 0);
  }
  SUBCASE("one stall long enough to make datagrams stale, the thread otherwise idle") {
    LoadGovernor g;
    for (int i = 0; i < 8; ++i) g.on_sample(kCalm, now += kLoadTick);
    CHECK_FALSE(g.on_sample({10000, 3000, 12, 0.3}, now += kLoadTick));
    for (int i = 0; i < 8; ++i) CHECK_FALSE(g.on_sample(kCalm, now += kLoadTick));
    CHECK(g.level() == 0);
  }
  SUBCASE("behind in every sample while other processes take the CPU") {
    LoadGovernor g;
    const LoadSample starved{10000, 0, 5, 0.4};
    for (int i = 0; i < 3; ++i) CHECK_FALSE(g.on_sample(starved, now += kLoadTick));
    CHECK(g.on_sample(starved, now += kLoadTick));
    CHECK(g.level() == 1);
  }
  SUBCASE("4% late at full CPU is not behind") {
    LoadGovernor g;
    for (int i = 0; i < 8; ++i) CHECK_FALSE(g.on_sample({10000, 400, 0, 1.0}, now += kLoadTick));
    CHECK(g.level() == 0);
  }
}

TEST_CASE("load governor: steps back after a calm hold, which doubles when the overload returns") {
  LoadGovernor g;
  Instant now = t0();
  for (int i = 0; i < 4; ++i) g.on_sample(kBehind, now += kLoadTick);
  REQUIRE(g.level() == 1);
  // The window must first be clear of the overload (2 s), then calm for the hold (4 s).
  Duration calm_for = until_change(g, kCalm, now);
  CHECK(g.level() == 0);
  CHECK(calm_for >= seconds(5));
  CHECK(calm_for <= seconds(7));
  // A burst right after the step back is the step's own (everyone switching layer): ignored.
  for (int i = 0; i < 3; ++i) CHECK_FALSE(g.on_sample(kBehind, now += kLoadTick));
  CHECK(g.level() == 0);
  // Still overloaded once that settled: back up, and the next step back waits twice as long.
  CHECK(until_change(g, kBehind, now) <= seconds(1));
  CHECK(g.level() == 1);
  CHECK(g.hold() == seconds(8));
  calm_for = until_change(g, kCalm, now);
  CHECK(calm_for >= seconds(8));
  CHECK(g.level() == 0);
  // Merely busy samples neither raise nor count as calm.
  for (int i = 0; i < 4; ++i) g.on_sample(kBehind, now += seconds(30) / 4);
  REQUIRE(g.level() == 1);
  for (int i = 0; i < 100; ++i) g.on_sample(kBusy, now += kLoadTick);
  CHECK(g.level() == 1);
  CHECK(g.raises() == 3);
  CHECK(g.lowers() == 2);
}

TEST_CASE("load governor: after a passing overload that flapped, each step back that holds halves the hold") {
  LoadGovernor g;
  Instant now = t0();
  // A crowd joining: overload, a step back too early, overload again, three times over.
  for (int round = 0; round < 4; ++round) {
    until_change(g, kBehind, now);
    if (round < 3) until_change(g, kCalm, now);
  }
  for (int i = 0; i < 20; ++i) g.on_sample(kBehind, now += kLoadTick);
  REQUIRE(g.level() == kMaxLoadLevel);
  Duration grown = g.hold();
  CHECK(grown >= seconds(16));
  // The crowd has gone: the first step back waits the grown hold, the next ones half as long
  // each, not the grown hold every time.
  Instant calm_from = now;
  std::vector<Duration> steps;
  while (g.level() > 0) steps.push_back(until_change(g, kCalm, now));
  REQUIRE(steps.size() == size_t(kMaxLoadLevel));
  CHECK(steps[0] >= grown);
  CHECK(steps[1] <= grown / 2 + kLoadTick);
  CHECK(steps[2] <= grown / 4 + kLoadTick);
  CHECK(now - calm_from < grown * kMaxLoadLevel);
}
