// The path choice of a direct bridge (#18): direct preferred once settled, back to the cloud
// at once when the bridge goes, a hold-down that grows while it flaps, and the wants split.
#include <doctest/doctest.h>

#include "server/direct_path.hpp"

using namespace umbrella;
using namespace umbrella::server;
using Path = DirectPath::Path;

namespace {
const Instant t0 = Instant{} + seconds(100);
DirectPathConfig config() {
  DirectPathConfig c;
  c.settle = seconds(1);
  c.hold_down_first = seconds(5);
  c.hold_down_max = seconds(20);
  c.stable_after = seconds(30);
  return c;
}
// Runs the path's timer from `from` to `to`, deadline by deadline.
void run(DirectPath& p, Instant to) {
  while (p.next_deadline() <= to) p.on_timeout(p.next_deadline());
}
}  // namespace

TEST_CASE("direct path: the cloud until the bridge has been up for the settle time, then direct once") {
  DirectPath p(config());
  CHECK(p.path() == Path::kCloud);
  CHECK(p.next_deadline() == kNever);
  p.bridge_up(t0);
  CHECK(p.next_deadline() == t0 + seconds(1));
  p.on_timeout(t0 + milliseconds(500));
  CHECK(p.path() == Path::kCloud);
  CHECK(!p.take_move());
  run(p, t0 + seconds(1));
  CHECK(p.path() == Path::kDirect);
  CHECK(p.take_move() == Path::kDirect);
  CHECK(!p.take_move());  // one move, one report (one keyframe)
  CHECK(p.next_deadline() == kNever);
  p.bridge_up(t0 + seconds(2));  // again: nothing
  CHECK(!p.take_move());
}

TEST_CASE("direct path: a bridge that goes before it settled never moves media") {
  DirectPath p(config());
  p.bridge_up(t0);
  p.bridge_down(t0 + milliseconds(300));
  run(p, t0 + seconds(10));
  CHECK(p.path() == Path::kCloud);
  CHECK(!p.take_move());
  CHECK(p.counters().to_direct == 0);
}

TEST_CASE("direct path: falls back at once, moves back after the hold-down, which doubles while it flaps") {
  DirectPath p(config());
  p.bridge_up(t0);
  run(p, t0 + seconds(1));
  REQUIRE(p.take_move() == Path::kDirect);
  // Down 4 s after moving: a flap.
  Instant down = t0 + seconds(5);
  p.bridge_down(down);
  CHECK(p.path() == Path::kCloud);
  CHECK(p.take_move() == Path::kCloud);
  CHECK(p.hold_down() == seconds(10));
  // Up again at once: settled after 1 s, but the hold-down keeps it on the cloud 10 s.
  p.bridge_up(down + milliseconds(100));
  CHECK(p.next_deadline() == down + seconds(10));
  run(p, down + seconds(9));
  CHECK(p.path() == Path::kCloud);
  run(p, down + seconds(10));
  CHECK(p.path() == Path::kDirect);
  CHECK(p.take_move() == Path::kDirect);
  // Flapping again: 20 s, and no further than the maximum.
  p.bridge_down(down + seconds(11));
  CHECK(p.hold_down() == seconds(20));
  p.bridge_up(down + seconds(12));
  run(p, down + seconds(31));
  CHECK(p.path() == Path::kDirect);
  p.bridge_down(down + seconds(32));
  CHECK(p.hold_down() == seconds(20));
  // A direct period that held resets it.
  p.bridge_up(down + seconds(33));
  run(p, down + seconds(52));
  REQUIRE(p.path() == Path::kDirect);
  p.bridge_down(down + seconds(120));
  CHECK(p.hold_down() == seconds(5));
  CHECK(p.counters().to_direct == 4);
  CHECK(p.counters().to_cloud == 4);
}

TEST_CASE("direct path: a fallback and a move back between two takes report nothing") {
  DirectPathConfig c = config();
  c.hold_down_first = seconds(0);
  DirectPath p(c);
  p.bridge_up(t0);
  run(p, t0 + seconds(1));
  REQUIRE(p.take_move() == Path::kDirect);
  p.bridge_down(t0 + seconds(40));
  p.bridge_up(t0 + seconds(40));
  run(p, t0 + seconds(41));
  CHECK(p.path() == Path::kDirect);
  CHECK(!p.take_move());
}
