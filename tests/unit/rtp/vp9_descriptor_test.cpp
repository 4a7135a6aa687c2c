// The VP9 payload descriptor (RFC 9628 section 4.2): every field of the layouts libwebrtc
// sends, the refusals, and the builder's round trip.
#include <doctest/doctest.h>

#include <vector>

#include "rtp/vp9_descriptor.hpp"

using namespace umbrella;
using namespace umbrella::rtp;

namespace {
using Vec = std::vector<uint8_t>;
Vec cat(Vec a, const Vec& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}
const Vec kKey = {0x82, 0x49, 0x83, 0x42, 0x00};
}  // namespace

TEST_CASE("vp9 descriptor: non-flexible base layer of a keyframe with the scalability structure") {
  // I L B V; PictureID 0x0005 (M); TID 0 SID 0; TL0PICIDX 7; SS: N_S 2, Y, G; 3 sizes; N_G 1
  // with one reference.
  Vec p = cat({0xaa, 0x80, 0x05, 0x00, 0x07, 0x58, 0x01, 0x40, 0x00, 0xb4, 0x02, 0x80, 0x01, 0x68, 0x05, 0x00,
               0x02, 0xd0, 0x01, 0x04, 0x01},
              kKey);
  auto d = parse_vp9_descriptor(p);
  REQUIRE(d);
  CHECK(d->size == p.size() - kKey.size());
  CHECK(d->has_picture_id);
  CHECK(d->picture_id_long);
  CHECK(d->picture_id == 5);
  CHECK(d->has_layers);
  CHECK(d->spatial == 0);
  CHECK(d->temporal == 0);
  CHECK(d->has_tl0);
  CHECK(d->tl0_picture_index == 7);
  CHECK(d->begin);
  CHECK_FALSE(d->end);
  CHECK_FALSE(d->inter);
  CHECK(d->starts_keyframe());
  REQUIRE(d->has_scalability);
  CHECK(d->scalability.spatial_layers == 3);
  CHECK(d->scalability.has_sizes);
  CHECK(d->scalability.width[0] == 320);
  CHECK(d->scalability.height[0] == 180);
  CHECK(d->scalability.height[1] == 360);
  CHECK(d->scalability.width[2] == 1280);
  CHECK(d->scalability.height[2] == 720);
  CHECK(d->scalability.group_size == 1);
  for (size_t n = 0; n < p.size() - kKey.size() + 1; ++n) CHECK_FALSE(parse_vp9_descriptor(Bytes(p.data(), n)).ok());
}

TEST_CASE("vp9 descriptor: an upper layer's indices and a flexible picture's references") {
  // I P L B E; 7-bit PictureID 6; TID 2, U, SID 1, D; TL0PICIDX 9
  auto d = parse_vp9_descriptor(Vec{0xec, 0x06, 0x53, 0x09, 0x86});
  REQUIRE(d);
  CHECK(d->inter);
  CHECK_FALSE(d->picture_id_long);
  CHECK(d->picture_id == 6);
  CHECK(d->temporal == 2);
  CHECK(d->switch_up);
  CHECK(d->spatial == 1);
  CHECK(d->inter_layer);
  CHECK(d->end);
  CHECK(d->size == 4);
  CHECK_FALSE(d->starts_keyframe());
  // I P L F B E Z; TID 1 SID 2; P_DIFFs 1 and 2
  d = parse_vp9_descriptor(Vec{0xfd, 0x81, 0x00, 0x24, 0x03, 0x04, 0x86});
  REQUIRE(d);
  CHECK(d->flexible);
  CHECK(d->not_upper_ref);
  CHECK_FALSE(d->has_tl0);
  CHECK(d->temporal == 1);
  CHECK(d->spatial == 2);
  CHECK(d->picture_id == 0x100);
  CHECK(d->reference_count == 2);
  CHECK(d->reference_diff[0] == 1);
  CHECK(d->reference_diff[1] == 2);
  CHECK(d->size == 6);
  // Without L the indices are 0.
  d = parse_vp9_descriptor(Vec{0x0c, 0x86});
  REQUIRE(d);
  CHECK_FALSE(d->has_layers);
  CHECK(d->size == 1);
}

TEST_CASE("vp9 descriptor: refused contents") {
  CHECK(parse_vp9_descriptor(Vec{}).error() == ParseError::kTooShort);
  CHECK(parse_vp9_descriptor(Vec{0x0c}).error() == ParseError::kTooShort);  // no VP9 byte
  CHECK(parse_vp9_descriptor(Vec{0xfc, 0x05, 0x00, 0x03, 0x03, 0x03, 0x02, 0x86}).error() == ParseError::kBadContent);
  CHECK(parse_vp9_descriptor(Vec{0xfc, 0x05, 0x00, 0x00, 0x86}).error() == ParseError::kBadContent);  // P_DIFF 0
  CHECK(parse_vp9_descriptor(Vec{0x8a, 0x05, 0x10, 0x00, 0x00, 0x00, 0xb4, 0x86}).error() == ParseError::kBadContent);
  CHECK(parse_vp9_descriptor(Vec{0x8a, 0x05, 0x08, 0x01, 0x04, 0x00, 0x86}).error() == ParseError::kBadContent);
  CHECK(parse_vp9_descriptor(Vec{0x8a, 0x05, 0x08, 0x02, 0x04, 0x01, 0x86}).error() == ParseError::kTooShort);
}

TEST_CASE("vp9 descriptor: what the builder writes parses back the same") {
  Vp9Descriptor d;
  d.has_picture_id = d.picture_id_long = true;
  d.picture_id = 0x7fff;
  d.has_layers = true;
  d.temporal = 2;
  d.spatial = 1;
  d.switch_up = true;
  d.inter = true;
  d.flexible = true;
  d.reference_count = 3;
  d.reference_diff = {1, 2, 127};
  d.has_scalability = true;
  d.scalability.spatial_layers = 2;
  d.scalability.has_sizes = true;
  d.scalability.width = {320, 640};
  d.scalability.height = {180, 360};
  Vec buf(64);
  size_t n = write_vp9_descriptor(buf, d);
  REQUIRE(n == 1 + 2 + 1 + 3 + 1 + 8);
  buf[n] = 0x86;
  auto back = parse_vp9_descriptor(Bytes(buf.data(), n + 1));
  REQUIRE(back);
  CHECK(back->size == n);
  CHECK(back->picture_id == 0x7fff);
  CHECK(back->reference_diff[2] == 127);
  CHECK(back->scalability.height[1] == 360);
  CHECK(back->temporal == 2);
  CHECK(back->spatial == 1);
  CHECK(write_vp9_descriptor(MutableBytes(buf.data(), 3), d) == 0);  // too small
  d.reference_diff[1] = 0;
  CHECK(write_vp9_descriptor(buf, d) == 0);
}
