#include <doctest/doctest.h>

#include "core/bytes.hpp"

using namespace umbrella;

TEST_CASE("ByteReader reads big-endian and fails sticky on overrun") {
  const uint8_t data[] = {0x12, 0x34, 0x56, 0x78, 0x9a};
  ByteReader r(data);
  CHECK(r.u16() == 0x1234);
  CHECK(r.u16() == 0x5678);
  CHECK(r.ok());
  CHECK(r.u32() == 0);  // only one byte left
  CHECK_FALSE(r.ok());
  CHECK(r.u8() == 0);   // stays failed
  CHECK(r.remaining() == 0);
}

TEST_CASE("ByteWriter refuses to overflow") {
  uint8_t out[5];
  ByteWriter w(out);
  w.u32(0xdeadbeef);
  CHECK(w.ok());
  w.u16(1);
  CHECK_FALSE(w.ok());
  CHECK(w.size() == 4);
  CHECK(load_be32(out) == 0xdeadbeef);
}
