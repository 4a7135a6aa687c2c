#include <doctest/doctest.h>

#include "link_emulator.hpp"

using namespace umbrella;
using umbrella::bwe::test::observe;
using umbrella::bwe::test::PathEmulator;

TEST_CASE("estimator: converges near the capacity of an emulated link") {
  for (int64_t capacity : {300000, 1000000, 2500000}) {
    CAPTURE(capacity);
    PathEmulator p;
    p.link.capacity_bps = capacity;
    p.run(20000000);
    auto r = observe(p, 10000000);
    CAPTURE(r.lo);
    CAPTURE(r.hi);
    CHECK(r.lo >= capacity * 5 / 10);
    CHECK(r.hi <= capacity * 13 / 10);
    CHECK(p.est.counters().probes > 0);
  }
}

TEST_CASE("estimator: backs off when the capacity drops and recovers when it returns") {
  PathEmulator p;
  p.link.capacity_bps = 2000000;
  p.run(20000000);
  CHECK(p.est.bps() >= 1200000);
  p.link.capacity_bps = 500000;
  p.run(5000000);
  auto low = observe(p, 10000000);
  CAPTURE(low.lo);
  CAPTURE(low.hi);
  CHECK(low.hi <= 650000);
  CHECK(low.lo >= 250000);
  p.link.capacity_bps = 2000000;
  p.run(10000000);
  auto back = observe(p, 5000000);
  CAPTURE(back.lo);
  CHECK(back.lo >= 1200000);
}

TEST_CASE("estimator: delay alone detects a queue (no loss at the bottleneck)") {
  PathEmulator p;
  p.link.capacity_bps = 800000;
  p.link.queue_limit_us = 10000000;  // a deep buffer: only delay tells
  p.run(30000000);
  CHECK(p.dropped == 0);
  auto r = observe(p, 10000000);
  CAPTURE(r.hi);
  CHECK(r.hi <= 800000 * 13 / 10);
  CHECK(r.lo >= 800000 * 5 / 10);
}

TEST_CASE("estimator: the loss-based bound caps the estimate under heavy random loss") {
  PathEmulator light(2), heavy(2);
  light.link.capacity_bps = heavy.link.capacity_bps = 2000000;
  light.link.loss = 0.01;
  heavy.link.loss = 0.25;
  light.run(20000000);
  heavy.run(20000000);
  auto l = observe(light, 5000000);
  auto h = observe(heavy, 5000000);
  CAPTURE(l.lo);
  CAPTURE(h.hi);
  CHECK(l.lo >= 1000000);           // 1 % is below the loss bound's 2 %: no effect
  CHECK(h.hi <= 600000);            // 25 %: cut again and again
  CHECK(heavy.est.loss_bps() < heavy.est.delay_bps());
  const auto& c = heavy.est.counters();
  CHECK(c.lost * 100 >= (c.lost + c.received) * 15);
}

TEST_CASE("estimator: feedback about unknown sequence numbers is counted and ignored") {
  bwe::Estimator e;
  std::array<rtp::TwccPacket, 2> packets{};
  packets[0] = {7, rtp::TwccStatus::kSmallDelta, 4, 1000};
  packets[1] = {8, rtp::TwccStatus::kNotReceived, 0, 0};
  e.on_feedback(packets, 1000000);
  CHECK(e.counters().unknown == 2);
  CHECK(e.bps() == bwe::Estimator::kStartBps);
}
