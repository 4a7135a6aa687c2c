#include <doctest/doctest.h>

#include <vector>

#include "rtp/nack_generator.hpp"

using namespace umbrella;
using namespace umbrella::rtp;

namespace {
const Instant t0 = Instant{} + seconds(100);

std::vector<uint16_t> poll(NackGenerator& g, Instant now) {
  uint16_t buf[NackGenerator::kCapacity];
  size_t n = g.poll(now, buf);
  return {buf, buf + n};
}
}  // namespace

TEST_CASE("no loss: nothing to NACK, no deadline") {
  NackGenerator g;
  for (uint16_t s = 65530; s != 10; ++s) g.on_packet(s, t0);
  CHECK(g.outstanding() == 0);
  CHECK(g.next_deadline() == kNever);
  CHECK(poll(g, t0 + seconds(1)).empty());
  CHECK(g.counters().missing == 0);
}

TEST_CASE("a gap is NACKed at once, then once per RTT, and recovery stops it") {
  NackConfig cfg;
  cfg.rtt = milliseconds(50);
  NackGenerator g(cfg);
  g.on_packet(65534, t0);
  g.on_packet(2, t0);  // 65535, 0, 1 missing across the wrap
  CHECK(g.counters().missing == 3);
  CHECK(g.next_deadline() == t0);
  CHECK(poll(g, t0) == std::vector<uint16_t>{65535, 0, 1});
  CHECK(g.next_deadline() == t0 + milliseconds(50));
  CHECK(poll(g, t0 + milliseconds(20)).empty());  // not yet
  g.on_packet(0, t0 + milliseconds(30));          // retransmission arrives
  CHECK(g.counters().recovered == 1);
  CHECK(poll(g, t0 + milliseconds(50)) == std::vector<uint16_t>{65535, 1});
  g.set_rtt(milliseconds(200));
  CHECK(poll(g, t0 + milliseconds(150)).empty());
  CHECK(g.next_deadline() == t0 + milliseconds(250));
  g.on_packet(65535, t0 + milliseconds(160));
  g.on_packet(1, t0 + milliseconds(160));
  g.on_packet(1, t0 + milliseconds(161));  // duplicate: ignored
  CHECK(g.outstanding() == 0);
  CHECK(g.counters().recovered == 3);
  CHECK(g.counters().requested == 5);
  CHECK_FALSE(g.take_keyframe_request());
}

TEST_CASE("reorder delay holds back the first NACK") {
  NackConfig cfg;
  cfg.reorder_delay = milliseconds(10);
  NackGenerator g(cfg);
  g.on_packet(1, t0);
  g.on_packet(3, t0);
  CHECK(poll(g, t0 + milliseconds(5)).empty());
  g.on_packet(2, t0 + milliseconds(6));  // plain reordering: never NACKed
  CHECK(poll(g, t0 + milliseconds(10)).empty());
  CHECK(g.counters().requested == 0);
  CHECK(g.counters().recovered == 1);
}

TEST_CASE("give up after max retries or max age, and ask for a keyframe") {
  NackConfig cfg;
  cfg.rtt = milliseconds(10);
  cfg.max_retries = 3;
  cfg.max_age = milliseconds(1000);
  NackGenerator g(cfg);
  g.on_packet(10, t0);
  g.on_packet(12, t0);
  Instant t = t0;
  int sent = 0;
  while (g.outstanding() > 0 && t < t0 + seconds(2)) {
    t = std::max(t, g.next_deadline());
    sent += int(poll(g, t).size());
  }
  CHECK(sent == 3);
  CHECK(g.counters().given_up == 1);
  CHECK(g.take_keyframe_request());
  CHECK_FALSE(g.take_keyframe_request());

  NackConfig slow;
  slow.rtt = milliseconds(800);
  slow.max_age = milliseconds(500);
  NackGenerator h(slow);
  h.on_packet(1, t0);
  h.on_packet(3, t0);
  CHECK(poll(h, t0).size() == 1);
  CHECK(h.next_deadline() == t0 + milliseconds(500));
  CHECK(poll(h, t0 + milliseconds(500)).empty());
  CHECK(h.counters().given_up == 1);
}

TEST_CASE("bounded: oldest entries are given up, huge gaps clear the list") {
  NackConfig cfg;
  cfg.max_outstanding = 8;
  NackGenerator g(cfg);
  g.on_packet(0, t0);
  g.on_packet(6, t0);   // 1..5 missing
  g.on_packet(11, t0);  // 7..10 missing: 9 total, oldest (1) given up
  CHECK(g.outstanding() == 8);
  CHECK(g.counters().given_up == 1);
  CHECK(g.take_keyframe_request());
  auto due = poll(g, t0);
  CHECK(due.front() == 2);
  CHECK(due.back() == 10);
  g.on_packet(1000, t0);  // gap of 988 > 8: forget everything
  CHECK(g.outstanding() == 0);
  CHECK(g.take_keyframe_request());

  // Out span smaller than what is due: the rest waits for the next poll.
  NackGenerator h;
  h.on_packet(0, t0);
  h.on_packet(10, t0);
  uint16_t two[2];
  CHECK(h.poll(t0, two) == 2);
  CHECK(two[0] == 1);
  CHECK(poll(h, t0).size() == 7);
}

TEST_CASE("a sender restarting far behind the head resets tracking") {
  NackGenerator g;
  g.on_packet(20000, t0);
  g.on_packet(20005, t0);  // 4 missing
  g.on_packet(100, t0);    // restarted numbering? not yet confirmed
  CHECK(g.outstanding() == 4);
  g.on_packet(101, t0);    // confirmed
  CHECK(g.outstanding() == 0);
  g.on_packet(103, t0);
  CHECK(poll(g, t0) == std::vector<uint16_t>{102});
}

TEST_CASE("randomized loss: counters always add up and the list stays bounded") {
  NackConfig cfg;
  cfg.max_outstanding = 64;
  NackGenerator g(cfg);
  uint32_t rng = 12345;
  auto next = [&] { return (rng = rng * 1664525u + 1013904223u) >> 8; };  // drop weak low bits
  std::vector<uint16_t> pending;  // lost packets that will be "retransmitted" later
  uint16_t seq = 65000;
  Instant t = t0;
  for (int i = 0; i < 20000; ++i) {
    t += milliseconds(1);
    uint32_t r = next() % 100;
    if (r < 10) {
      pending.push_back(seq);  // lost for now
    } else if (r == 10) {
      seq = uint16_t(seq + 100);  // burst loss
    } else {
      g.on_packet(seq, t);
    }
    ++seq;
    if (!pending.empty() && next() % 4 == 0) {
      g.on_packet(pending.front(), t);
      pending.erase(pending.begin());
    }
    uint16_t out[NackGenerator::kCapacity];
    g.poll(t, out);
    const auto& c = g.counters();
    REQUIRE(g.outstanding() <= 64);
    REQUIRE(c.missing == c.recovered + c.given_up + g.outstanding());
  }
  CHECK(g.counters().recovered > 0);
  CHECK(g.counters().given_up > 0);
}
