// One WebM file (one participant: Opus audio and VP8, VP9 or AV1 video; H264 makes it Matroska) through libwebm's mkvmuxer. Used
// only by the writer thread. Frames must come in time order across tracks (the muxer refuses
// older ones): the Interleaver in front of it sorts them. Clusters last at most 2 s and the
// file is flushed as each one starts, so a crash leaves a file that plays up to the last
// cluster; finish() writes the cues and the duration.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/bytes.hpp"
#include "record/video_format.hpp"

namespace mkvmuxer {
class Segment;
}

namespace umbrella::record {

enum class TrackKind : uint8_t { kAudio = 0, kVideo = 1 };

class WebmFile {
 public:
  ~WebmFile();
  // The tracks are fixed at open (the muxer writes them before the first frame). video null:
  // no video track; a video track needs its format (from the first keyframe).
  static std::unique_ptr<WebmFile> open(const std::string& path, bool audio, Codec codec, const VideoFormat* video,
                                        std::string& error);
  bool has(TrackKind kind) const { return track_[size_t(kind)] != 0; }
  bool write(TrackKind kind, Bytes data, uint64_t time_ns, bool keyframe);
  bool finish();  // cues, duration, closed; false when a write failed
  uint64_t bytes() const;

  class Output;  // mkvmuxer's writer: a FILE* that counts bytes and flushes at each cluster

 private:
  WebmFile() = default;
  std::unique_ptr<Output> out_;
  std::unique_ptr<mkvmuxer::Segment> segment_;
  uint64_t track_[2] = {0, 0};
  bool finished_ = false;
};

}  // namespace umbrella::record
