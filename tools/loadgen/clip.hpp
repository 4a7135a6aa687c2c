// Media encoded once at start and looped by every simulated publisher: real VP8 and Opus, as a
// browser sends them, without an encoder per peer. The first video frame is a keyframe and the
// only one, so restarting the clip is how a publisher answers a keyframe request; otherwise it
// loops from frame 1, every delta frame predicting from that keyframe alone.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace umbrella::loadgen {

struct EncodedFrame {
  std::vector<uint8_t> data;
  bool key = false;
};

struct Clip {
  std::vector<EncodedFrame> frames;
  uint64_t bytes() const {
    uint64_t n = 0;
    for (auto& f : frames) n += f.data.size();
    return n;
  }
};

// `seconds` of a synthetic moving picture, CBR at bitrate_bps, no dropped frames. The size
// follows the bitrate as a browser's would (640x360 from 600 kbit/s, else 320x180).
Result<Clip, std::string> encode_vp8_clip(uint32_t bitrate_bps, uint32_t fps, uint32_t seconds);
// One second of a 440 Hz tone in frame_ms Opus frames (10, 20, 40 or 60 ms) at bitrate_bps.
Result<Clip, std::string> encode_opus_clip(uint32_t bitrate_bps, uint32_t frame_ms);

}  // namespace umbrella::loadgen
