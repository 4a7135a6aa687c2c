#include <doctest/doctest.h>

#include "rtp/rtp_extensions.hpp"
#include "rtp/rtx.hpp"
#include "sfu/extension_map.hpp"
#include "sfu/rtp_rewrite.hpp"
#include "sfu_test_util.hpp"

using namespace umbrella;
using namespace umbrella::sfu;
using namespace umbrella::sfu::test;

namespace {

const uint8_t kAbs[3] = {1, 2, 3};
const uint8_t kMid[1] = {'0'};

}  // namespace

TEST_CASE("apply_rewrite sets header fields and remaps extension ids") {
  PacketPool pool(8);
  MediaSpec m;
  m.ext = {{3, Bytes(kAbs)}, {1, Bytes(kMid)}};
  Packet src = make_rtp(pool, m);
  ExtensionIds pub{.mid = 1, .abs_send_time = 3};
  ExtensionIds sub{.mid = 2, .abs_send_time = 7};
  auto map = make_extension_map(pub, sub);
  Packet copy = pool.copy_of(src.span());
  RtpRewrite rw{.ssrc = 0xCAFE, .seq = 7, .timestamp = 99, .payload_type = 102, .extensions = &map};
  REQUIRE(apply_rewrite(copy, rw));
  auto v = rtp::parse_rtp(copy.span());
  REQUIRE(v);
  CHECK(v->ssrc == 0xCAFE);
  CHECK(v->sequence == 7);
  CHECK(v->timestamp == 99);
  CHECK(v->payload_type == 102);
  CHECK(rtp::extension(*v, 7));
  CHECK(!rtp::extension(*v, 3));
  CHECK(!rtp::extension(*v, 1));  // mid dropped: the publisher's value means nothing downstream
  CHECK(!rtp::extension(*v, 2));
  CHECK(v->payload.size() == 100);
}

TEST_CASE("apply_rewrite wraps in RTX and unwraps a publisher's RTX packet") {
  PacketPool pool(8);
  Packet src = make_rtp(pool, {});
  Packet copy = pool.copy_of(src.span());
  RtpRewrite rw{.ssrc = 0xBEEF, .seq = 500, .timestamp = 42, .payload_type = 103,
                .rtx = true, .rtx_osn = 1234};
  REQUIRE(apply_rewrite(copy, rw));
  auto v = rtp::parse_rtp(copy.span());
  REQUIRE(v);
  CHECK(v->ssrc == 0xBEEF);
  CHECK(v->sequence == 500);
  CHECK(v->payload_type == 103);
  CHECK(v->timestamp == 42);
  CHECK(rtp::rtx_original_sequence(*v) == uint16_t(1234));
  CHECK(v->payload.size() == 102);

  // Now treat that RTX packet as a publisher's and forward it as plain media.
  Packet copy2 = pool.copy_of(copy.span());
  RtpRewrite plain{.ssrc = 0x1, .seq = 9, .timestamp = 10, .payload_type = 102, .unwrap = true};
  REQUIRE(apply_rewrite(copy2, plain));
  auto w = rtp::parse_rtp(copy2.span());
  REQUIRE(w);
  CHECK(w->ssrc == 0x1);
  CHECK(w->sequence == 9);
  CHECK(w->payload_type == 102);
  CHECK(w->payload.size() == 100);
  CHECK(w->payload[0] == 0xAB);
}

TEST_CASE("apply_rewrite refuses garbage and shared packets") {
  PacketPool pool(4);
  uint8_t junk[3] = {1, 2, 3};
  Packet p = pool.copy_of(junk);
  CHECK(!apply_rewrite(p, RtpRewrite{}));
  Packet q = make_rtp(pool, {});
  Packet shared = q;
  CHECK(!apply_rewrite(q, RtpRewrite{}));
}
