#include <doctest/doctest.h>

#include "bwe/send_history.hpp"

using namespace umbrella::bwe;

TEST_CASE("send history: finds what was sent by number, across the send clock's 32-bit wrap") {
  static_assert(sizeof(SendHistory) <= 9 * SendHistory::kSize + 8, "one subscriber's history stays small");
  SendHistory h;
  // Just below 2^32 us, and past it: the low 32 bits wrap, the times read back do not.
  int64_t t = (int64_t(1) << 32) - 500;
  h.add(65535, 1200, t, -1);
  h.add(0, 5000, t + 1000, 3);  // size over 12 bits: recorded as 4095
  auto a = h.find(65535);
  REQUIRE(a);
  CHECK(a->send_us == t);
  CHECK(a->size == 1200);
  CHECK(a->cluster == -1);
  CHECK_FALSE(a->reported);
  auto b = h.find(0);
  REQUIRE(b);
  CHECK(b->send_us == t + 1000);
  CHECK(b->size == 4095);
  CHECK(b->cluster == 3);
  h.set_reported(0);
  CHECK(h.find(0)->reported);
  CHECK_FALSE(h.find(65535)->reported);
  CHECK_FALSE(h.find(1));  // never sent
  // A slot reused a ring later forgets the older number.
  h.add(uint16_t(SendHistory::kSize), 100, t + 2000, -1);
  CHECK_FALSE(h.find(0));
  CHECK(h.find(uint16_t(SendHistory::kSize))->send_us == t + 2000);
  h.set_reported(0);  // about a number no longer held: nothing changes
  CHECK_FALSE(h.find(uint16_t(SendHistory::kSize))->reported);
}
