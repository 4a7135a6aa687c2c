#include "record/webm_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "mkvmuxer/mkvmuxer.h"

namespace umbrella::record {

class WebmFile::Output final : public mkvmuxer::IMkvWriter {
 public:
  explicit Output(FILE* f) : f_(f) {}
  ~Output() override { close(); }
  bool close() {
    if (!f_) return true;
    bool ok = std::fclose(f_) == 0 && !failed_;
    f_ = nullptr;
    return ok;
  }
  mkvmuxer::int32 Write(const void* buf, mkvmuxer::uint32 len) override {
    if (!f_ || std::fwrite(buf, 1, len, f_) != len) {
      failed_ = true;
      return -1;
    }
    written += len;
    return 0;
  }
  mkvmuxer::int64 Position() const override { return f_ ? std::ftell(f_) : -1; }
  mkvmuxer::int32 Position(mkvmuxer::int64 position) override { return f_ && std::fseek(f_, long(position), SEEK_SET) == 0 ? 0 : -1; }
  bool Seekable() const override { return true; }
  void ElementStartNotify(mkvmuxer::uint64 id, mkvmuxer::int64) override {
    // A cluster starts: what came before it is whole, so it goes to the disk now.
    if (id == libwebm::kMkvCluster && f_) std::fflush(f_);
  }
  uint64_t written = 0;  // bytes, rewrites of sizes included
  bool failed_ = false;

 private:
  FILE* f_;
};

WebmFile::~WebmFile() {
  if (!finished_) finish();
}

uint64_t WebmFile::bytes() const { return out_ ? out_->written : 0; }

std::unique_ptr<WebmFile> WebmFile::open(const std::string& path, bool audio, Codec codec, const VideoFormat* video,
                                         std::string& error) {
  FILE* f = std::fopen(path.c_str(), "wbxe");  // x: never overwrite a recording
  if (!f) {
    error = "cannot create " + path + ": " + std::strerror(errno);
    return nullptr;
  }
  std::unique_ptr<WebmFile> w(new WebmFile);
  w->out_ = std::make_unique<Output>(f);
  w->segment_ = std::make_unique<mkvmuxer::Segment>();
  auto& seg = *w->segment_;
  if (!seg.Init(w->out_.get())) {
    error = "cannot start " + path;
    return nullptr;
  }
  seg.set_mode(mkvmuxer::Segment::kFile);
  seg.OutputCues(true);
  seg.set_max_cluster_duration(2000000000ULL);
  seg.GetSegmentInfo()->set_writing_app("umbrella");
  seg.GetSegmentInfo()->set_muxing_app("umbrella (libwebm)");
  if (video) {
    uint64_t n = seg.AddVideoTrack(video->width, video->height, 0);
    auto* t = n ? static_cast<mkvmuxer::VideoTrack*>(seg.GetTrackByNumber(n)) : nullptr;
    if (!t) {
      error = "cannot add the video track to " + path;
      return nullptr;
    }
    t->set_codec_id(codec_id(codec));
    if (!video->codec_private.empty() && !t->SetCodecPrivate(video->codec_private.data(), video->codec_private.size())) {
      error = "cannot add the video track to " + path;
      return nullptr;
    }
    seg.CuesTrack(n);
    w->track_[size_t(TrackKind::kVideo)] = n;
  }
  if (audio) {
    uint64_t n = seg.AddAudioTrack(48000, 2, 0);
    auto* t = n ? static_cast<mkvmuxer::AudioTrack*>(seg.GetTrackByNumber(n)) : nullptr;
    if (!t) {
      error = "cannot add the audio track to " + path;
      return nullptr;
    }
    t->set_codec_id(mkvmuxer::Tracks::kOpusCodecId);
    // OpusHead (RFC 7845 section 5.1): version 1, 2 channels, no pre-skip, 48 kHz, gain 0,
    // mapping family 0. WebRTC's Opus is always signalled as 48000/2.
    static const uint8_t head[19] = {'O', 'p', 'u', 's', 'H', 'e', 'a', 'd', 1, 2, 0, 0, 0x80, 0xbb, 0, 0, 0, 0, 0};
    t->SetCodecPrivate(head, sizeof(head));
    t->set_seek_pre_roll(80000000ULL);  // 80 ms, as RFC 7845 recommends for seeking
    if (!w->track_[size_t(TrackKind::kVideo)]) seg.CuesTrack(n);
    w->track_[size_t(TrackKind::kAudio)] = n;
  }
  return w;
}

bool WebmFile::write(TrackKind kind, Bytes data, uint64_t time_ns, bool keyframe) {
  uint64_t n = track_[size_t(kind)];
  if (!n || finished_) return false;
  return segment_->AddFrame(data.data(), data.size(), n, time_ns, keyframe) && !out_->failed_;
}

bool WebmFile::finish() {
  if (finished_) return true;
  finished_ = true;
  bool ok = segment_->Finalize();
  return out_->close() && ok;
}

}  // namespace umbrella::record
