// What a simulated publisher sends: video frames of bitrate/fps bytes cut into ~1200-byte
// RTP packets sent back to back (marker on the last), and one audio packet every 20 ms.
// Every payload starts with a probe: magic, send time and the publisher's index, so a
// viewer measures delay and loss without decoding anything.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/bytes.hpp"
#include "core/time.hpp"

namespace umbrella::loadgen {

inline constexpr uint32_t kProbeMagic = 0x554d4c47;  // "UMLG"
inline constexpr size_t kProbeSize = 4 + 8 + 4;
inline constexpr size_t kMaxVideoPayload = 1200;

struct Probe {
  uint64_t sent_ns = 0;  // steady clock, nanoseconds since its epoch
  uint32_t publisher = 0;  // below 2^31: the top bit of its field says audio
  bool audio = false;
};

// Writes a probe at the start of a payload (which must be >= kProbeSize bytes).
void write_probe(MutableBytes payload, const Probe& p);
bool read_probe(Bytes payload, Probe& out);
uint64_t to_ns(Instant t);

struct MediaConfig {
  uint32_t video_bps = 1'000'000;
  uint32_t fps = 30;
  uint32_t audio_bytes = 80;  // ~32 kbit/s opus
  uint32_t audio_ms = 20;     // packet interval
  bool video = true, audio = true;
};

// One RTP packet due now: the caller writes the header and a payload of `payload_size`.
struct Outgoing {
  bool video = false;
  bool marker = false;
  uint32_t timestamp = 0;
  uint16_t sequence = 0;
  size_t payload_size = 0;
};

class MediaSource {
 public:
  MediaSource(const MediaConfig& c, Instant start);
  // The next packet due at or before now, if any (call until it returns false).
  bool next(Instant now, Outgoing& out);
  Instant next_due() const;

 private:
  MediaConfig c_;
  Instant start_, audio_start_, video_start_;
  Instant next_frame_, next_audio_;
  uint64_t frames_ = 0, audio_packets_ = 0;
  size_t frame_left_ = 0;      // bytes of the current frame not yet packetized
  size_t frame_packets_ = 0;   // packets left in the current frame
  uint16_t video_seq_, audio_seq_;
  uint32_t video_ts_ = 0, audio_ts_ = 0;
};

}  // namespace umbrella::loadgen
