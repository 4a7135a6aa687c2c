// The load generator's VP8 clip loops without a keyframe: played on from frame 1 after its last
// frame, a real decoder (Debian's libvpx) shows exactly the pictures of the first pass.
#include <doctest/doctest.h>
#include <vpx/vp8dx.h>
#include <vpx/vpx_decoder.h>

#include <cstdint>
#include <vector>

#include "../../../tools/loadgen/clip.hpp"

using namespace umbrella::loadgen;

namespace {
// The decoded picture's luma, or empty when the frame does not decode.
std::vector<uint8_t> decode(vpx_codec_ctx_t& dec, const EncodedFrame& f) {
  if (vpx_codec_decode(&dec, f.data.data(), unsigned(f.data.size()), nullptr, 0) != VPX_CODEC_OK) return {};
  vpx_codec_iter_t it = nullptr;
  vpx_image_t* img = vpx_codec_get_frame(&dec, &it);
  if (!img) return {};
  std::vector<uint8_t> y;
  for (unsigned r = 0; r < img->d_h; ++r) {
    const uint8_t* row = img->planes[VPX_PLANE_Y] + r * img->stride[VPX_PLANE_Y];
    y.insert(y.end(), row, row + img->d_w);
  }
  return y;
}
}  // namespace

TEST_CASE("the VP8 clip has one keyframe and decodes the same on every loop") {
  for (uint32_t bps : {200'000u, 1'000'000u}) {
    auto clip = encode_vp8_clip(bps, 30, 2);
    REQUIRE(clip);
    REQUIRE(clip->frames.size() == 60);
    CHECK(clip->frames[0].key);
    size_t keys = 0, delta_bytes = 0;
    for (const auto& f : clip->frames) keys += f.key, delta_bytes += f.key ? 0 : f.data.size();
    CHECK(keys == 1);
    // Delta frames are delta-sized: together well under a keyframe each.
    CHECK(delta_bytes / (clip->frames.size() - 1) < clip->frames[0].data.size());

    vpx_codec_ctx_t dec;
    REQUIRE(vpx_codec_dec_init(&dec, vpx_codec_vp8_dx(), nullptr, 0) == VPX_CODEC_OK);
    std::vector<std::vector<uint8_t>> first;
    for (const auto& f : clip->frames) {
      first.push_back(decode(dec, f));
      REQUIRE_FALSE(first.back().empty());
    }
    // On from frame 1, twice, as MediaSource loops it.
    for (int loop = 0; loop < 2; ++loop)
      for (size_t i = 1; i < clip->frames.size(); ++i) {
        auto again = decode(dec, clip->frames[i]);
        REQUIRE_FALSE(again.empty());
        CHECK_MESSAGE(again == first[i], "loop ", loop, " frame ", i, " differs");
      }
    vpx_codec_destroy(&dec);
  }
}
