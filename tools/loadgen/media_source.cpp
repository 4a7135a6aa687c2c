#include "media_source.hpp"

#include <algorithm>

#include "core/bytes.hpp"

namespace umbrella::loadgen {

uint64_t to_ns(Instant t) {
  return uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
}

void write_probe(MutableBytes payload, const Probe& p) {
  store_be32(payload.data(), kProbeMagic);
  store_be32(payload.data() + 4, uint32_t(p.sent_ns >> 32));
  store_be32(payload.data() + 8, uint32_t(p.sent_ns));
  store_be32(payload.data() + 12, (p.publisher & 0x7fffffffu) | (p.audio ? 0x80000000u : 0));
}

bool read_probe(Bytes payload, Probe& out) {
  if (payload.size() < kProbeSize || load_be32(payload.data()) != kProbeMagic) return false;
  out.sent_ns = (uint64_t(load_be32(payload.data() + 4)) << 32) | load_be32(payload.data() + 8);
  uint32_t who = load_be32(payload.data() + 12);
  out.publisher = who & 0x7fffffffu;
  out.audio = (who & 0x80000000u) != 0;
  return true;
}

MediaSource::MediaSource(const MediaConfig& c, Instant start)
    : c_(c), start_(start), video_seq_(uint16_t(to_ns(start) & 0x7fff)),
      audio_seq_(uint16_t((to_ns(start) >> 16) & 0x7fff)) {
  if (c_.fps == 0) c_.fps = 30;
  if (c_.audio_ms == 0) c_.audio_ms = 20;
  // Publishers that join at the audio period (50 joins/s) would otherwise send in lockstep,
  // a burst no set of independent browsers makes: start each stream at its own phase.
  uint64_t h = to_ns(start) * 0x9e3779b97f4a7c15ull;
  audio_start_ = start + std::chrono::microseconds(int64_t((h >> 20) % (c_.audio_ms * 1000)));
  video_start_ = start + std::chrono::microseconds(int64_t((h >> 40) % (1'000'000 / c_.fps)));
  next_frame_ = video_start_;
  next_audio_ = audio_start_;
}

Instant MediaSource::next_due() const {
  Instant t = kNever;
  if (c_.video) t = frame_packets_ ? start_ : next_frame_;
  if (c_.audio) t = std::min(t, next_audio_);
  return t;
}

bool MediaSource::next(Instant now, Outgoing& out) {
  if (c_.video && frame_packets_ == 0 && now >= next_frame_) {
    size_t frame = std::max<size_t>(kProbeSize, c_.video_bps / 8 / c_.fps);
    frame_packets_ = (frame + kMaxVideoPayload - 1) / kMaxVideoPayload;
    frame_left_ = frame;
    video_ts_ = uint32_t(frames_ * 90000 / c_.fps);
    ++frames_;
    next_frame_ = video_start_ + std::chrono::nanoseconds(int64_t(frames_ * 1'000'000'000ull / c_.fps));
  }
  if (c_.video && frame_packets_ > 0) {
    // Equal-sized packets, like libwebrtc's VP8 packetizer.
    size_t size = (frame_left_ + frame_packets_ - 1) / frame_packets_;
    out = {true, frame_packets_ == 1, video_ts_, video_seq_++, std::max(size, kProbeSize)};
    frame_left_ -= std::min(frame_left_, size);
    --frame_packets_;
    return true;
  }
  if (c_.audio && now >= next_audio_) {
    out = {false, false, audio_ts_, audio_seq_++, std::max<size_t>(c_.audio_bytes, kProbeSize)};
    audio_ts_ += 48 * c_.audio_ms;
    ++audio_packets_;
    next_audio_ = audio_start_ + milliseconds(c_.audio_ms) * int64_t(audio_packets_);
    return true;
  }
  return false;
}

}  // namespace umbrella::loadgen
