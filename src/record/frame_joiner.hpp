// Puts one frame's packets (in sequence order) back into what the file stores: VP8 and Opus
// bytes as they came; VP9 layer frames, with a superframe index when a picture has several
// spatial layers (as libvpx writes them); H264 as AVCC (4-byte big-endian length before each
// NAL unit, FU-A fragments joined); AV1 as a temporal unit of OBUs with obu_size fields, the
// temporal delimiters, tile lists and padding left out (as Matroska's V_AV1 wants). Refuses
// packets that do not fit together (a fragment without its start, a unit left open).
#pragma once

#include <cstdint>
#include <vector>

#include "record/payload.hpp"

namespace umbrella::record {

class FrameJoiner {
 public:
  void begin(Codec codec);
  bool add(const PayloadView& v);  // false: not a frame (the caller drops it)
  bool finish();                   // false: a unit was left open
  const std::vector<uint8_t>& bytes() const { return out_; }

 private:
  void put_nal(Bytes nal);
  bool close_obu();

  Codec codec_ = Codec::kOpus;
  std::vector<uint8_t> out_;  // capacity kept from frame to frame
  int64_t open_ = -1;         // where a unit still arriving starts in out_
  bool first_ = true;
  uint8_t layers_ = 0;
  uint32_t layer_size_[8] = {};
};

}  // namespace umbrella::record
