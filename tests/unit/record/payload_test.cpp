#include <doctest/doctest.h>

#include <vector>

#include "rtp/payload_format.hpp"

using namespace umbrella;
using namespace umbrella::rtp;

namespace {

// A VP8 key frame's first bytes (RFC 6386 9.1): tag, start code, 14-bit width and height.
std::vector<uint8_t> key_frame(uint16_t w, uint16_t h) {
  return {0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, uint8_t(w), uint8_t(w >> 8), uint8_t(h), uint8_t(h >> 8), 0xaa};
}

std::vector<uint8_t> join(std::vector<uint8_t> a, const std::vector<uint8_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

TEST_CASE("vp8: a key frame start without extensions gives the picture size") {
  auto p = join({0x10}, key_frame(640, 480));
  auto v = parse_vp8(p);
  REQUIRE(v.ok());
  CHECK(v->frame_start);
  CHECK(v->keyframe);
  CHECK(v->width == 640);
  CHECK(v->height == 480);
  CHECK(v->data.size() == p.size() - 1);
}

TEST_CASE("vp8: every extension field of RFC 7741 4.2 is skipped") {
  // X, then I L T K; 15-bit picture id, TL0PICIDX, TID/KEYIDX.
  auto p = join({0x90, 0xf0, 0x81, 0x23, 0x07, 0x40}, key_frame(1280, 720));
  auto v = parse_vp8(p);
  REQUIRE(v.ok());
  CHECK(v->keyframe);
  CHECK(v->width == 1280);
  CHECK(v->data.data() == p.data() + 6);
  // 7-bit picture id: one byte less.
  auto q = join({0x90, 0x80, 0x05}, key_frame(320, 240));
  REQUIRE(parse_vp8(q).ok());
  CHECK(parse_vp8(q)->data.data() == q.data() + 3);
}

TEST_CASE("vp8: delta frames and continuation packets are not keyframes") {
  std::vector<uint8_t> delta = {0x10, 0x01, 0x02, 0x00, 0x55};
  auto v = parse_vp8(delta);
  REQUIRE(v.ok());
  CHECK(v->frame_start);
  CHECK_FALSE(v->keyframe);
  std::vector<uint8_t> cont = {0x00, 0x9d, 0x01};  // S = 0: not a start, whatever follows
  REQUIRE(parse_vp8(cont).ok());
  CHECK_FALSE(parse_vp8(cont)->frame_start);
  CHECK_FALSE(parse_vp8(cont)->keyframe);
  std::vector<uint8_t> partition1 = {0x11, 0x00};  // S = 1 but partition 1
  CHECK_FALSE(parse_vp8(partition1)->frame_start);
}

TEST_CASE("vp8: truncated descriptors and key frame headers are refused") {
  CHECK_FALSE(parse_vp8(std::vector<uint8_t>{}).ok());
  CHECK_FALSE(parse_vp8(std::vector<uint8_t>{0x90}).ok());              // X without its byte
  CHECK_FALSE(parse_vp8(std::vector<uint8_t>{0x90, 0x80}).ok());        // I without picture id
  CHECK_FALSE(parse_vp8(std::vector<uint8_t>{0x90, 0x80, 0x81, 0x01}).ok());  // nothing after it
  CHECK_FALSE(parse_vp8(std::vector<uint8_t>{0x10, 0x00, 0x00, 0x00, 0x9d}).ok());  // short key header
  auto bad_start = join({0x10}, key_frame(2, 2));
  bad_start[4] = 0x00;
  CHECK(parse_vp8(bad_start).error() == rtp::ParseError::kBadContent);
  CHECK(parse_vp8(join({0x10}, key_frame(0, 240))).error() == rtp::ParseError::kBadContent);
}

TEST_CASE("opus: a packet is a frame; empty is refused") {
  std::vector<uint8_t> p = {0x78, 1, 2};
  auto v = parse_opus(p);
  REQUIRE(v.ok());
  CHECK(v->frame_start);
  CHECK(v->data.size() == 3);
  CHECK_FALSE(parse_opus(std::vector<uint8_t>{}).ok());
}
