// What a video track's header needs, read from the first keyframe the file gets (bytes as the
// FrameJoiner wrote them): the picture size and the codec private data. VP8 and VP9 from the
// frame header; H264 from the SPS (size) and SPS + PPS (an avcC record, ISO 14496-15 5.2.4);
// AV1 from the sequence header OBU (an av1C record with that OBU, as Matroska's V_AV1 wants).
#pragma once

#include <cstdint>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "record/payload.hpp"

namespace umbrella::record {

struct VideoFormat {
  uint16_t width = 0, height = 0;
  std::vector<uint8_t> codec_private;  // empty for VP8 and VP9
};

Result<VideoFormat, rtp::ParseError> video_format(Codec codec, Bytes keyframe);

// Matroska codec ids.
const char* codec_id(Codec codec);

}  // namespace umbrella::record
