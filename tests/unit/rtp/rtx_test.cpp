#include <doctest/doctest.h>

#include "core/packet_pool.hpp"
#include "rtp/rtp_builder.hpp"
#include "rtp/rtx.hpp"
#include "rtp_test_util.hpp"

using namespace umbrella;
using namespace umbrella::rtp;
using namespace umbrella::rtp::test;

namespace {

Buf original_packet() {
  auto twcc = std::array<uint8_t, 2>{0x01, 0x02};
  ExtensionValue exts[] = {{3, twcc}, {4, as_bytes("1")}};
  Buf payload(200);
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = uint8_t(i);
  Buf out(400);
  size_t n = write_rtp_packet(out, {true, 96, 0xFFFE, 123456, 0x1000}, exts, payload);
  out.resize(n);
  return out;
}

void check_rtx(Bytes rtx, const Buf& original) {
  auto v = parse_rtp(rtx);
  REQUIRE(v.ok());
  auto o = parse_rtp(original);
  CHECK(v->payload_type == 97);
  CHECK(v->ssrc == 0x2000);
  CHECK(v->sequence == 5);
  CHECK(v->marker == o->marker);
  CHECK(v->timestamp == o->timestamp);
  CHECK(rtx_original_sequence(*v) == 0xFFFE);
  CHECK(v->payload.size() == o->payload.size() + 2);
  CHECK(std::equal(o->payload.begin(), o->payload.end(), v->payload.begin() + 2));
  CHECK(extension(*v, 4));
}

}  // namespace

TEST_CASE("RTX wrap into a span and unwrap back") {
  Buf original = original_packet();
  Buf rtx(original.size() + 2);
  size_t n = rtx_wrap_into(rtx, original, {97, 0x2000, 5});
  REQUIRE(n == original.size() + 2);
  check_rtx(rtx, original);

  Buf back(original.size());
  REQUIRE(rtx_unwrap_into(back, rtx, 96, 0x1000) == original.size());
  CHECK(back == original);

  // Unwrapping into the same buffer (aliasing) works too.
  REQUIRE(rtx_unwrap_into(rtx, rtx, 96, 0x1000) == original.size());
  rtx.resize(original.size());
  CHECK(rtx == original);

  Buf small(original.size() + 1);
  CHECK(rtx_wrap_into(small, original, {97, 1, 1}) == 0);
}

TEST_CASE("RTX wrap in place into the Packet headroom") {
  PacketPool pool(4);
  Buf original = original_packet();
  Packet p = pool.copy_of(original);
  REQUIRE(p);
  const uint8_t* payload_before = parse_rtp(p.span())->payload.data();
  REQUIRE(rtx_wrap(p, {97, 0x2000, 5}));
  check_rtx(p.span(), original);
  // The payload did not move: only the header went two bytes into the headroom.
  CHECK(parse_rtp(p.span())->payload.data() + 2 == payload_before);

  REQUIRE(rtx_unwrap(p, 96, 0x1000));
  CHECK(std::equal(p.span().begin(), p.span().end(), original.begin(), original.end()));

  Packet shared = p;
  CHECK_FALSE(rtx_wrap(p, {97, 0x2000, 5}));  // another holder would see the change
  CHECK_FALSE(rtx_unwrap(p, 96, 0x1000));
}

TEST_CASE("RTX refuses packets without room or without an OSN") {
  PacketPool pool(2);
  Packet p = pool.acquire();
  Buf original = original_packet();
  REQUIRE(p.adjust_front(-int(kPacketHeadroom)));  // no headroom left
  std::copy(original.begin(), original.end(), p.data());
  p.set_size(original.size());
  CHECK_FALSE(rtx_wrap(p, {97, 1, 1}));
  CHECK(std::equal(p.span().begin(), p.span().end(), original.begin(), original.end()));

  Buf padding_only = cat({fixed_header(0xA0, 97), {0, 0, 0, 4}});
  auto v = parse_rtp(padding_only);
  REQUIRE(v.ok());
  CHECK_FALSE(rtx_original_sequence(*v));
  Buf out(64);
  CHECK(rtx_unwrap_into(out, padding_only, 96, 1) == 0);
}
