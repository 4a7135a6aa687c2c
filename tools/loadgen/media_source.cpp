#include "media_source.hpp"

#include <algorithm>
#include <cstdio>

namespace umbrella::loadgen {

uint64_t to_ns(Instant t) {
  return uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
}

void write_probe(MutableBytes out, const Probe& p) {
  store_be32(out.data(), kProbeMagic);
  store_be32(out.data() + 4, uint32_t(p.sent_ns >> 32));
  store_be32(out.data() + 8, uint32_t(p.sent_ns));
  store_be32(out.data() + 12, (p.publisher & 0x7fffffffu) | (p.audio ? 0x80000000u : 0));
}

bool read_probe(Bytes padding, Probe& out) {
  if (padding.size() < kProbePadding) return false;
  const uint8_t* d = padding.data() + padding.size() - kProbePadding;
  if (load_be32(d) != kProbeMagic) return false;
  out.sent_ns = (uint64_t(load_be32(d + 4)) << 32) | load_be32(d + 8);
  uint32_t who = load_be32(d + 12);
  out.publisher = who & 0x7fffffffu;
  out.audio = (who & 0x80000000u) != 0;
  return true;
}

Result<bool, std::string> load_clips(const MediaConfig& c, Clips& out, std::string& description) {
  char line[256];
  int n = 0;
  if (c.video) {
    auto v = encode_vp8_clip(c.video_bps, c.fps ? c.fps : 30, 4);
    if (!v) return Err{v.error()};
    out.video = std::move(*v);
    n += std::snprintf(line, sizeof line, "VP8 %s at %u fps (%llu kbit/s encoded, %zu frames looped)",
                       c.video_bps >= 600'000 ? "640x360" : "320x180", c.fps,
                       (unsigned long long)(out.video.bytes() * 8 / 4 / 1000), out.video.frames.size());
    if (c.simulcast) {
      out.lower_video.clear();
      for (uint32_t bps : {c.video_bps / 8, c.video_bps / 3}) {
        auto l = encode_vp8_clip(std::max(bps, 50'000u), c.fps ? c.fps : 30, 4);
        if (!l) return Err{l.error()};
        out.lower_video.push_back(std::move(*l));
      }
      n += std::snprintf(line + n, sizeof line - size_t(n), ", simulcast q/h/f%s: %llu/%llu kbit/s below it",
                         c.simulcast_by_ssrc ? " by SSRC group" : " by rid",
                         (unsigned long long)(out.lower_video[0].bytes() * 8 / 4 / 1000),
                         (unsigned long long)(out.lower_video[1].bytes() * 8 / 4 / 1000));
    }
  }
  if (c.audio) {
    auto a = encode_opus_clip(c.audio_bps, c.audio_ms);
    if (!a) return Err{a.error()};
    out.audio = std::move(*a);
    n += std::snprintf(line + n, sizeof line - size_t(n), "%sOpus %u ms frames (%llu kbit/s)", n ? " + " : "",
                       c.audio_ms, (unsigned long long)(out.audio.bytes() * 8 / 1000));
  }
  description.assign(line, size_t(n));
  return true;
}

MediaSource::MediaSource(const MediaConfig& c, const Clips& clips, Instant start, int lower_layer)
    : c_(c), video_(lower_layer >= 0 ? clips.lower_video.at(size_t(lower_layer)) : clips.video), audio_(clips.audio),
      start_(start), picture_id_(uint16_t(to_ns(start) >> 8) & 0x7fff),
      video_seq_(uint16_t(to_ns(start) & 0x7fff)), audio_seq_(uint16_t((to_ns(start) >> 16) & 0x7fff)) {
  if (c_.fps == 0) c_.fps = 30;
  if (c_.audio_ms == 0) c_.audio_ms = 20;
  if (video_.frames.empty()) c_.video = false;
  if (audio_.frames.empty() || lower_layer >= 0) c_.audio = false;
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

bool MediaSource::request_keyframe(Instant now) {
  if (!c_.video || (last_key_request_ != Instant{} && now - last_key_request_ < milliseconds(300))) return false;
  last_key_request_ = now;
  video_pos_ = 0;
  return true;
}

void MediaSource::start_frame() {
  // The clip's delta frames all predict from its keyframe (vp8_clip.cpp): the loop goes on
  // from the first of them.
  if (video_pos_ >= video_.frames.size()) video_pos_ = video_.frames.size() > 1 ? 1 : 0;
  const EncodedFrame& f = video_.frames[video_pos_++];
  frame_left_ = Bytes(f.data);
  frame_key_ = f.key;
  frame_first_ = true;
  keyframes_ += f.key;
  // Equal-sized packets, like libwebrtc's VP8 packetizer.
  constexpr size_t room = kMaxVideoPayload - 4;
  frame_packets_ = std::max<size_t>(1, (frame_left_.size() + room - 1) / room);
  video_ts_ = uint32_t(frames_ * 90000 / c_.fps);
  picture_id_ = (picture_id_ + 1) & 0x7fff;
  ++frames_;
  next_frame_ = video_start_ + std::chrono::nanoseconds(int64_t(frames_ * 1'000'000'000ull / c_.fps));
}

bool MediaSource::next(Instant now, Outgoing& out) {
  if (c_.video && frame_packets_ == 0 && now >= next_frame_) start_frame();
  if (c_.video && frame_packets_ > 0) {
    size_t size = (frame_left_.size() + frame_packets_ - 1) / frame_packets_;
    out = Outgoing{};
    out.video = true;
    out.marker = frame_packets_ == 1;
    out.keyframe = frame_key_;
    out.timestamp = video_ts_;
    out.sequence = video_seq_++;
    // RFC 7741: X, S on a frame's first packet, partition 0; then I with a 15-bit picture id.
    out.descriptor = {uint8_t(frame_first_ ? 0x90 : 0x80), 0x80, uint8_t(0x80 | picture_id_ >> 8),
                      uint8_t(picture_id_)};
    out.descriptor_size = 4;
    out.body = frame_left_.first(size);
    frame_left_ = frame_left_.subspan(size);
    frame_first_ = false;
    --frame_packets_;
    return true;
  }
  if (c_.audio && now >= next_audio_) {
    if (audio_pos_ >= audio_.frames.size()) audio_pos_ = 0;
    out = Outgoing{};
    out.timestamp = audio_ts_;
    out.sequence = audio_seq_++;
    out.body = Bytes(audio_.frames[audio_pos_++].data);
    audio_ts_ += 48 * c_.audio_ms;
    ++audio_packets_;
    next_audio_ = audio_start_ + milliseconds(c_.audio_ms) * int64_t(audio_packets_);
    return true;
  }
  return false;
}

}  // namespace umbrella::loadgen
