// What a simulated publisher sends: a real VP8 clip (clip.hpp) cut into RTP payloads of at
// most ~1200 bytes with the RFC 7741 payload descriptor, sent back to back per frame (marker
// on the last), and one Opus frame every audio_ms. Every packet also carries a probe in its
// RTP padding (magic, send time, the publisher's index), where decoders never look, so a
// viewer measures delay and loss without decoding.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "clip.hpp"
#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/time.hpp"

namespace umbrella::loadgen {

inline constexpr uint32_t kProbeMagic = 0x554d4c47;  // "UMLG"
inline constexpr size_t kProbeSize = 4 + 8 + 4;
inline constexpr uint8_t kProbePadding = kProbeSize + 1;  // RTP padding: probe + count byte
inline constexpr size_t kMaxVideoPayload = 1200;

struct Probe {
  uint64_t sent_ns = 0;  // steady clock, nanoseconds since its epoch
  uint32_t publisher = 0;  // below 2^31: the top bit of its field says audio
  bool audio = false;
};

// Writes a probe into kProbeSize bytes; reads one from an RTP packet's padding.
void write_probe(MutableBytes out, const Probe& p);
bool read_probe(Bytes padding, Probe& out);
uint64_t to_ns(Instant t);

struct MediaConfig {
  uint32_t video_bps = 1'000'000;
  uint32_t fps = 30;
  uint32_t audio_bps = 32'000;  // Opus
  uint32_t audio_ms = 20;       // packet interval: 10, 20, 40 or 60
  bool video = true, audio = true;
  // Three VP8 layers by rid (q, h, f: ~1/8, 1/3 and all of video_bps), as a browser sends in a
  // room of three or more.
  bool simulcast = false;
  bool simulcast_by_ssrc = false;  // signalled as a=ssrc-group:SIM instead of rids
};

inline constexpr const char* kRids[3] = {"q", "h", "f"};

// The clips every publisher loops, encoded once at start for the configuration (4 s of video,
// 1 s of audio), and a line saying what they are for the report.
struct Clips {
  Clip video, audio;
  std::vector<Clip> lower_video;  // --simulcast: the q and h layers' clips
};
Result<bool, std::string> load_clips(const MediaConfig& c, Clips& out, std::string& description);

// One RTP packet due now: the caller writes the header, the descriptor, then the body.
struct Outgoing {
  bool video = false;
  bool marker = false;
  bool keyframe = false;  // part of a keyframe
  uint32_t timestamp = 0;
  uint16_t sequence = 0;
  std::array<uint8_t, 4> descriptor{};  // VP8 payload descriptor (video only)
  size_t descriptor_size = 0;
  Bytes body;                           // this packet's share of the encoded frame
};

class MediaSource {
 public:
  // lower_layer >= 0: video only, from clips.lower_video[lower_layer] (a simulcast layer).
  MediaSource(const MediaConfig& c, const Clips& clips, Instant start, int lower_layer = -1);
  // The next packet due at or before now, if any (call until it returns false).
  bool next(Instant now, Outgoing& out);
  Instant next_due() const;
  // A PLI or FIR: the next frame restarts the clip at its keyframe (at most every 300 ms,
  // as libwebrtc limits keyframes on request). Returns whether it was taken.
  bool request_keyframe(Instant now);
  uint64_t keyframes_sent() const { return keyframes_; }
  uint64_t frames_sent() const { return frames_; }
  uint64_t audio_sent() const { return audio_packets_; }

 private:
  void start_frame();

  MediaConfig c_;
  const Clip& video_;
  const Clip& audio_;
  Instant start_, audio_start_, video_start_;
  Instant next_frame_, next_audio_, last_key_request_{};
  uint64_t frames_ = 0, audio_packets_ = 0, keyframes_ = 0;
  size_t video_pos_ = 0, audio_pos_ = 0;  // the clips' next frames
  Bytes frame_left_;          // of the current frame, not yet packetized
  size_t frame_packets_ = 0;  // packets left in the current frame
  bool frame_key_ = false, frame_first_ = false;
  uint16_t picture_id_;
  uint16_t video_seq_, audio_seq_;
  uint32_t video_ts_ = 0, audio_ts_ = 0;
};

}  // namespace umbrella::loadgen
