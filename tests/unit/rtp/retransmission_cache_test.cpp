#include <doctest/doctest.h>

#include "rtp/retransmission_cache.hpp"

using namespace umbrella;
using namespace umbrella::rtp;

namespace {
const Instant t0 = Instant{} + seconds(100);

Packet make(PacketPool& pool, uint8_t tag) {
  uint8_t b[1] = {tag};
  return pool.copy_of(b);
}
}  // namespace

TEST_CASE("retransmission cache stores, verifies sequence and age") {
  PacketPool pool(64);
  RetransmissionCache cache(16, milliseconds(1000));
  CHECK(cache.slots() == 16);
  cache.insert(100, make(pool, 1), t0);
  cache.insert(101, make(pool, 2), t0);
  auto p = cache.lookup(100, t0 + milliseconds(10));
  REQUIRE(p);
  CHECK(p.data()[0] == 1);
  CHECK(p.ref_count() == 2);  // shared with the cache, not copied
  CHECK_FALSE(cache.lookup(116, t0));        // same slot, different sequence
  CHECK_FALSE(cache.lookup(102, t0));        // never stored
  CHECK_FALSE(cache.lookup(100, t0 + milliseconds(1000)));  // too old
  cache.insert(116, make(pool, 3), t0 + milliseconds(20));  // overwrites 100's slot
  CHECK_FALSE(cache.lookup(100, t0 + milliseconds(20)));
  CHECK(cache.lookup(116, t0 + milliseconds(20)).data()[0] == 3);
}

TEST_CASE("a late packet does not evict a newer one; wrap-around works") {
  PacketPool pool(64);
  RetransmissionCache cache(10, milliseconds(1000));  // rounded up to 16
  CHECK(cache.slots() == 16);
  cache.insert(65535, make(pool, 1), t0);
  cache.insert(0, make(pool, 2), t0);
  cache.insert(15, make(pool, 3), t0);
  cache.insert(65535, make(pool, 4), t0);  // slot of 15, which is newer: kept
  CHECK(cache.lookup(15, t0).data()[0] == 3);
  CHECK(cache.lookup(0, t0).data()[0] == 2);
}

TEST_CASE("cache returns buffers to the pool when overwritten or cleared") {
  PacketPool pool(8);
  {
    RetransmissionCache cache(4);
    for (uint16_t s = 0; s < 4; ++s) cache.insert(s, make(pool, uint8_t(s)), t0);
    CHECK(pool.in_use() == 4);
    for (uint16_t s = 4; s < 8; ++s) cache.insert(s, make(pool, uint8_t(s)), t0);
    CHECK(pool.in_use() == 4);
    cache.clear();
    CHECK(pool.in_use() == 0);
    cache.insert(1, make(pool, 1), t0);
  }
  CHECK(pool.in_use() == 0);
}

TEST_CASE("a slow stream's packets older than max_age go back to the pool, not only when overwritten") {
  PacketPool pool(600);
  RetransmissionCache cache(512, milliseconds(1000));
  // 100 packets a second (a 1 Mbit/s video) for 5 s, one lost every 50: only about the last
  // second stays pinned, not the whole ring.
  for (uint16_t s = 0; s < 500; ++s)
    if (s % 50 != 7) cache.insert(uint16_t(65000 + s), make(pool, uint8_t(s)), t0 + milliseconds(10 * s));
  Instant end = t0 + milliseconds(10 * 499);
  CHECK(pool.in_use() <= 102);
  CHECK(pool.in_use() >= 98);
  CHECK(cache.lookup(uint16_t(65000 + 499), end));
  CHECK(cache.lookup(uint16_t(65000 + 420), end));  // 790 ms old: still there for a NACK
  CHECK_FALSE(cache.lookup(uint16_t(65000 + 380), end));
  // A late packet from before the oldest held is stored too, and goes when overwritten.
  cache.insert(uint16_t(65000 + 57), make(pool, 57), end);
  CHECK(cache.lookup(uint16_t(65000 + 57), end));
  cache.clear();
  CHECK(pool.in_use() == 0);
}
