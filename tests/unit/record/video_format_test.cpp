// Track formats from real encoders' first keyframes (Debian's ffmpeg: libx264 baseline
// 640x360, libaom-av1 320x180, libvpx-vp9 352x288) and the codec private data built from them.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "record/video_format.hpp"

using namespace umbrella;
using namespace umbrella::record;
using namespace umbrella::rtp;
using Vec = std::vector<uint8_t>;

namespace {

const Vec kSps = {0x67, 0x42, 0xc0, 0x1e, 0xd9, 0x00, 0xa0, 0x2f, 0xf9, 0x70, 0x11, 0x00, 0x00,
                  0x03, 0x00, 0x01, 0x00, 0x00, 0x03, 0x00, 0x3c, 0x0f, 0x16, 0x2e, 0x48};
const Vec kPps = {0x68, 0xcb, 0x83, 0xcb, 0x20};
const Vec kAv1SequenceHeader = {0x0a, 0x0b, 0x00, 0x00, 0x00, 0x04, 0x3c, 0xfe, 0xcc, 0xda, 0xf9, 0x00, 0x40};

Vec avcc(std::initializer_list<Vec> nals) {
  Vec out;
  for (auto& n : nals) {
    out.insert(out.end(), {0, 0, uint8_t(n.size() >> 8), uint8_t(n.size())});
    out.insert(out.end(), n.begin(), n.end());
  }
  return out;
}

}  // namespace

TEST_CASE("video format: H264 size from the SPS (cropped, emulation bytes removed), avcC from SPS and PPS") {
  auto f = video_format(Codec::kH264, avcc({{0x09, 0xf0}, kSps, kPps, {0x65, 0x88, 0x84}}));
  REQUIRE(f.ok());
  CHECK(f->width == 640);
  CHECK(f->height == 360);
  Vec want = {1, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0, uint8_t(kSps.size())};
  want.insert(want.end(), kSps.begin(), kSps.end());
  want.insert(want.end(), {1, 0, 5});
  want.insert(want.end(), kPps.begin(), kPps.end());
  CHECK(f->codec_private == want);
  CHECK_FALSE(video_format(Codec::kH264, avcc({kSps, {0x65, 0x88}})).ok());  // no PPS
  CHECK_FALSE(video_format(Codec::kH264, avcc({Vec(kSps.begin(), kSps.begin() + 8), kPps})).ok());  // cut SPS
}

TEST_CASE("video format: AV1 size from the sequence header, av1C with that OBU") {
  Vec tu = kAv1SequenceHeader;
  tu.insert(tu.end(), {0x32, 0x02, 0x10, 0x00});  // a frame OBU after it
  auto f = video_format(Codec::kAv1, tu);
  REQUIRE(f.ok());
  CHECK(f->width == 320);
  CHECK(f->height == 180);
  // Profile 0, level 0 (2.0), main tier, 8 bit, 4:2:0 (x and y), position 0.
  Vec want = {0x81, 0x00, 0x0c, 0x00};
  want.insert(want.end(), kAv1SequenceHeader.begin(), kAv1SequenceHeader.end());
  CHECK(f->codec_private == want);
  CHECK_FALSE(video_format(Codec::kAv1, Vec{0x32, 0x02, 0x10, 0x00}).ok());  // no sequence header
  CHECK_FALSE(video_format(Codec::kAv1, Vec{0x0a, 0x0b, 0x00}).ok());        // its size past the end
}

TEST_CASE("video format: VP9 and VP8 sizes from the keyframe header") {
  auto f = video_format(Codec::kVp9, Vec{0x82, 0x49, 0x83, 0x42, 0x00, 0x15, 0xf0, 0x11, 0xf6, 0x08});
  REQUIRE(f.ok());
  CHECK(f->width == 352);
  CHECK(f->height == 288);
  CHECK(f->codec_private.empty());
  CHECK_FALSE(video_format(Codec::kVp9, Vec{0x86, 0x00, 0x40, 0x92}).ok());  // not a keyframe
  CHECK_FALSE(video_format(Codec::kVp9, Vec{0x82, 0x49, 0x83, 0x42, 0x00}).ok());
  auto v8 = video_format(Codec::kVp8, Vec{0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01});
  REQUIRE(v8.ok());
  CHECK(v8->width == 640);
  CHECK(v8->height == 480);
  CHECK(std::string(codec_id(Codec::kH264)) == "V_MPEG4/ISO/AVC");
}
