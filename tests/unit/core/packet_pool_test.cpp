#include <doctest/doctest.h>

#include "core/packet_pool.hpp"

using namespace umbrella;

TEST_CASE("packets share one buffer by reference count and return to the pool") {
  PacketPool pool(2);
  {
    Packet a = pool.acquire();
    REQUIRE(a);
    a.set_size(3);
    a.data()[0] = 42;
    Packet b = a;  // fan-out: no copy
    CHECK(b.data() == a.data());
    CHECK(a.ref_count() == 2);
    CHECK(pool.in_use() == 1);
  }
  CHECK(pool.in_use() == 0);
}

TEST_CASE("a full pool refuses and counts instead of growing") {
  PacketPool pool(2);
  Packet a = pool.acquire(), b = pool.acquire();
  Packet c = pool.acquire();
  CHECK_FALSE(c);
  CHECK(pool.exhausted() == 1);
  a.reset();
  CHECK(pool.acquire());
}

TEST_CASE("headroom lets a header grow in place") {
  PacketPool pool(1);
  Packet p = pool.copy_of(std::vector<uint8_t>{1, 2, 3});
  REQUIRE(p);
  CHECK(p.adjust_front(-2));
  CHECK(p.size() == 5);
  CHECK(p.data()[2] == 1);
  CHECK_FALSE(p.adjust_front(-int(kPacketHeadroom)));
  CHECK(p.tailroom() >= 16);
}
