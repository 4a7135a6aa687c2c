#include <opus.h>

#include <cmath>
#include <memory>

#include "clip.hpp"

namespace umbrella::loadgen {

Result<Clip, std::string> encode_opus_clip(uint32_t bitrate_bps, uint32_t frame_ms) {
  if (frame_ms != 10 && frame_ms != 20 && frame_ms != 40 && frame_ms != 60)
    return Err{"Opus frames are 10, 20, 40 or 60 ms, not " + std::to_string(frame_ms)};
  int err = 0;
  std::unique_ptr<OpusEncoder, void (*)(OpusEncoder*)> enc(opus_encoder_create(48000, 1, OPUS_APPLICATION_VOIP, &err),
                                                           opus_encoder_destroy);
  if (!enc || err != OPUS_OK) return Err{std::string("libopus: ") + opus_strerror(err)};
  opus_encoder_ctl(enc.get(), OPUS_SET_BITRATE(int(bitrate_bps)));
  const int samples = int(48 * frame_ms);
  std::vector<int16_t> pcm(static_cast<size_t>(samples));
  std::vector<uint8_t> out(1500);
  Clip clip;
  for (uint32_t n = 0, t = 0; n < 1000 / frame_ms; ++n) {
    for (auto& s : pcm) s = int16_t(8000 * std::sin(2 * M_PI * 440 * double(t++) / 48000));
    int len = opus_encode(enc.get(), pcm.data(), samples, out.data(), int(out.size()));
    if (len <= 0) return Err{std::string("libopus: ") + opus_strerror(len)};
    clip.frames.push_back({{out.begin(), out.begin() + len}, false});
  }
  return clip;
}

}  // namespace umbrella::loadgen
