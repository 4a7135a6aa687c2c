#include <doctest/doctest.h>

#include "rtp/rtp_builder.hpp"
#include "rtp/rtp_extensions.hpp"
#include "rtp/rtp_mutate.hpp"
#include "rtp_test_util.hpp"

using namespace umbrella;
using namespace umbrella::rtp;
using namespace umbrella::rtp::test;

namespace {

// Chrome-like VP8 packet: abs-send-time (2), transport-cc (3), mid (4), rid (10).
Buf chrome_like_video() {
  auto ast = encode_abs_send_time(0x123456);
  auto twcc = encode_transport_cc_seq(0xBEEF);
  ExtensionValue exts[] = {{2, ast}, {3, twcc}, {4, as_bytes("0")}, {10, as_bytes("h")}};
  Buf payload(100, 0x5A);
  Buf out(1500);
  size_t n = write_rtp_packet(out, {true, 96, 1000, 90000, 0x11111111}, exts, payload);
  REQUIRE(n > 0);
  out.resize(n);
  return out;
}

}  // namespace

TEST_CASE("header setters edit in place") {
  Buf p = cat({fixed_header(), {1, 2}});
  CHECK(set_marker(p, true));
  CHECK(set_payload_type(p, 100));
  CHECK(set_sequence(p, 0xFFFF));
  CHECK(set_timestamp(p, 0xDEADBEEF));
  CHECK(set_ssrc(p, 42));
  auto v = parse_rtp(p);
  REQUIRE(v.ok());
  CHECK(v->marker);
  CHECK(v->payload_type == 100);
  CHECK(v->sequence == 0xFFFF);
  CHECK(v->timestamp == 0xDEADBEEF);
  CHECK(v->ssrc == 42);
  CHECK(set_marker(p, false));
  CHECK(set_payload_type(p, 0x7F));
  CHECK_FALSE(parse_rtp(p)->marker);
  CHECK(parse_rtp(p)->payload_type == 127);
  Buf short_buf(11);
  CHECK_FALSE(set_ssrc(short_buf, 1));
}

TEST_CASE("rewrite_extension_ids: remap and drop in one-byte form, nothing moves") {
  Buf p = chrome_like_video();
  Buf before = p;
  ExtensionIdMap map;  // default drops everything not set
  map.set(2, 3);   // abs-send-time 2 -> 3
  map.set(3, 5);   // transport-cc 3 -> 5
  map.set(4, 1);   // mid 4 -> 1
  // rid (10) not negotiated by the subscriber: dropped
  REQUIRE(rewrite_extension_ids(p, map));
  REQUIRE(p.size() == before.size());
  auto v = parse_rtp(p);
  REQUIRE(v.ok());
  auto ast = extension(*v, 3);
  auto twcc = extension(*v, 5);
  auto mid = extension(*v, 1);
  REQUIRE(ast);
  REQUIRE(twcc);
  REQUIRE(mid);
  CHECK(read_abs_send_time(*ast) == 0x123456u);
  CHECK(read_transport_cc_seq(*twcc) == 0xBEEF);
  CHECK(read_sdes_string(*mid) == "0");
  CHECK_FALSE(extension(*v, 10));
  CHECK_FALSE(extension(*v, 2));
  CHECK_FALSE(extension(*v, 4));
  // Payload and fixed header untouched.
  auto orig = parse_rtp(before);
  CHECK(v->header_size == orig->header_size);
  CHECK(std::equal(v->payload.begin(), v->payload.end(), orig->payload.begin()));
  CHECK(std::equal(p.begin(), p.begin() + 16, before.begin()));
}

TEST_CASE("rewrite_extension_ids: identity map is a no-op; empty map pads everything") {
  Buf p = chrome_like_video();
  Buf before = p;
  REQUIRE(rewrite_extension_ids(p, ExtensionIdMap::identity()));
  CHECK(p == before);
  REQUIRE(rewrite_extension_ids(p, ExtensionIdMap{}));
  auto v = parse_rtp(p);
  REQUIRE(v.ok());
  int n = 0;
  for_each_extension(*v, [&](const ExtensionElement&) { return ++n, true; });
  CHECK(n == 0);
  for (uint8_t b : v->extension_block()) CHECK(b == 0);
}

TEST_CASE("rewrite_extension_ids: swapping IDs maps from the incoming ID") {
  Buf p = chrome_like_video();
  ExtensionIdMap map;
  map.set(2, 3);
  map.set(3, 2);
  REQUIRE(rewrite_extension_ids(p, map));
  auto v = parse_rtp(p);
  CHECK(extension(*v, 3)->size() == 3);  // abs-send-time now under 3
  CHECK(extension(*v, 2)->size() == 2);  // transport-cc now under 2
}

TEST_CASE("rewrite_extension_ids: one-byte form cannot carry IDs above 14") {
  Buf p = chrome_like_video();
  ExtensionIdMap map = ExtensionIdMap::identity();
  map.set(2, 20);
  REQUIRE(rewrite_extension_ids(p, map));
  auto v = parse_rtp(p);
  CHECK_FALSE(extension(*v, 2));
  CHECK_FALSE(extension(*v, 20));
  CHECK(extension(*v, 3));
}

TEST_CASE("rewrite_extension_ids: two-byte form") {
  // Element 1 (0 bytes), 2 (1 byte), padding, 3 (4 bytes); then a 20-byte element with ID 200.
  Buf p = cat({fixed_header(0x90),
               {0x10, 0x00, 0x00, 0x09, 0x01, 0x00, 0x02, 0x01, 0xBB, 0x00, 0x03, 0x04, 0xCC,
                0xCC, 0xCC, 0xCC, 200, 20},
               Buf(20, 0xEE), {0, 0}, {1, 2, 3}});
  REQUIRE(parse_rtp(p).ok());
  ExtensionIdMap map;
  map.set(1, 100);
  map.set(3, 4);
  map.set(200, 7);
  REQUIRE(rewrite_extension_ids(p, map));
  auto v = parse_rtp(p);
  REQUIRE(v.ok());
  CHECK(extension(*v, 100));
  CHECK(extension(*v, 100)->empty());
  CHECK_FALSE(extension(*v, 2));
  CHECK(extension(*v, 4)->size() == 4);
  CHECK(extension(*v, 7)->size() == 20);
  CHECK(v->payload.size() == 3);
}

TEST_CASE("rewrite_extension_ids refuses packets that do not parse and leaves them alone") {
  Buf bad = cat({fixed_header(0x90), {0xBE, 0xDE, 0, 9}});
  Buf before = bad;
  CHECK_FALSE(rewrite_extension_ids(bad, ExtensionIdMap{}));
  CHECK(bad == before);
  Buf plain = cat({fixed_header(), {1}});
  CHECK(rewrite_extension_ids(plain, ExtensionIdMap{}));  // no block: nothing to do
}

TEST_CASE("extension_mut edits a per-hop value in place") {
  Buf p = chrome_like_video();
  auto twcc = extension_mut(p, 3);
  REQUIRE(twcc);
  CHECK(write_transport_cc_seq(*twcc, 7));
  auto ast = extension_mut(p, 2);
  REQUIRE(ast);
  CHECK(write_abs_send_time(*ast, 0xABCDEF));
  auto v = parse_rtp(p);
  CHECK(read_transport_cc_seq(*extension(*v, 3)) == 7);
  CHECK(read_abs_send_time(*extension(*v, 2)) == 0xABCDEFu);
  CHECK_FALSE(extension_mut(p, 9));
}
