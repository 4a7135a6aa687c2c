#include <vpx/vp8cx.h>
#include <vpx/vpx_encoder.h>

#include <memory>

#include "clip.hpp"

namespace umbrella::loadgen {
namespace {

// A gradient that drifts, a bright square that crosses the picture and a little noise: enough
// motion for delta frames of a realistic size.
void draw(vpx_image_t& img, uint32_t n, uint64_t& rng) {
  uint32_t w = img.d_w, h = img.d_h;
  uint32_t bx = (n * 4) % w, by = (n * 2) % h, side = h / 4;
  for (uint32_t y = 0; y < h; ++y) {
    uint8_t* row = img.planes[VPX_PLANE_Y] + y * img.stride[VPX_PLANE_Y];
    for (uint32_t x = 0; x < w; ++x) {
      rng = rng * 6364136223846793005ull + 1442695040888963407ull;
      bool box = x - bx < side && y - by < side;
      row[x] = box ? 235 : uint8_t((x + y + n * 3) / 4 % 160 + 40 + (rng >> 61));
    }
  }
  for (int p : {VPX_PLANE_U, VPX_PLANE_V})
    for (uint32_t y = 0; y < (h + 1) / 2; ++y) {
      uint8_t* row = img.planes[p] + y * img.stride[p];
      for (uint32_t x = 0; x < (w + 1) / 2; ++x) row[x] = uint8_t(128 + ((x * (p == VPX_PLANE_U ? 1 : 2) + n) % 64) - 32);
    }
}

}  // namespace

Result<Clip, std::string> encode_vp8_clip(uint32_t bitrate_bps, uint32_t fps, uint32_t seconds) {
  vpx_codec_enc_cfg_t cfg;
  if (vpx_codec_enc_config_default(vpx_codec_vp8_cx(), &cfg, 0) != VPX_CODEC_OK)
    return Err{std::string("libvpx: no VP8 encoder configuration")};
  bool large = bitrate_bps >= 600'000;
  cfg.g_w = large ? 640 : 320;
  cfg.g_h = large ? 360 : 180;
  cfg.g_timebase = {1, int(fps)};
  cfg.g_threads = 1;
  cfg.g_lag_in_frames = 0;
  cfg.g_error_resilient = VPX_ERROR_RESILIENT_DEFAULT;
  cfg.rc_end_usage = VPX_CBR;
  cfg.rc_target_bitrate = std::max(50u, bitrate_bps / 1000);
  cfg.rc_dropframe_thresh = 0;
  cfg.kf_mode = VPX_KF_DISABLED;
  vpx_codec_ctx_t codec;
  if (vpx_codec_enc_init(&codec, vpx_codec_vp8_cx(), &cfg, 0) != VPX_CODEC_OK)
    return Err{std::string("libvpx: cannot start the VP8 encoder")};
  std::unique_ptr<vpx_codec_ctx_t, vpx_codec_err_t (*)(vpx_codec_ctx_t*)> guard(&codec, vpx_codec_destroy);
  vpx_codec_control(&codec, VP8E_SET_CPUUSED, 8);
  std::unique_ptr<vpx_image_t, void (*)(vpx_image_t*)> img(vpx_img_alloc(nullptr, VPX_IMG_FMT_I420, cfg.g_w, cfg.g_h, 16),
                                                           vpx_img_free);
  if (!img) return Err{std::string("libvpx: cannot allocate a picture")};
  Clip clip;
  uint64_t rng = 1;
  for (uint32_t n = 0; n < fps * seconds; ++n) {
    draw(*img, n, rng);
    // Every delta frame predicts from the keyframe alone (the golden frame) and leaves the
    // references and the entropy context as they were, so the clip loops from frame 1 straight
    // after its last frame and stays decodable: a keyframe only at the start and when asked, as
    // a browser sends, not one per loop (a 1000-way burst every few seconds).
    constexpr vpx_enc_frame_flags_t kFromKeyframeOnly = VP8_EFLAG_NO_REF_LAST | VP8_EFLAG_NO_REF_ARF |
                                                        VP8_EFLAG_NO_UPD_LAST | VP8_EFLAG_NO_UPD_GF |
                                                        VP8_EFLAG_NO_UPD_ARF | VP8_EFLAG_NO_UPD_ENTROPY;
    if (vpx_codec_encode(&codec, img.get(), n, 1, n == 0 ? VPX_EFLAG_FORCE_KF : kFromKeyframeOnly, VPX_DL_REALTIME) !=
        VPX_CODEC_OK)
      return Err{std::string("libvpx: ") + vpx_codec_error(&codec)};
    vpx_codec_iter_t it = nullptr;
    while (const vpx_codec_cx_pkt_t* pkt = vpx_codec_get_cx_data(&codec, &it)) {
      if (pkt->kind != VPX_CODEC_CX_FRAME_PKT) continue;
      auto* d = static_cast<const uint8_t*>(pkt->data.frame.buf);
      clip.frames.push_back({{d, d + pkt->data.frame.sz}, (pkt->data.frame.flags & VPX_FRAME_IS_KEY) != 0});
    }
  }
  if (clip.frames.empty() || !clip.frames.front().key) return Err{std::string("libvpx: the clip has no keyframe")};
  return clip;
}

}  // namespace umbrella::loadgen
