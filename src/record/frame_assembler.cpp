#include "record/frame_assembler.hpp"

#include <bit>

#include "rtp/rtp_packet.hpp"

namespace umbrella::record {

FrameAssembler::FrameAssembler(Codec codec, AssemblerConfig config)
    : codec_(codec),
      config_(config),
      slots_(std::bit_ceil(std::max<size_t>(config.slots, 16))),
      need_keyframe_(codec != Codec::kOpus),
      keyframe_request_(codec != Codec::kOpus) {}

const FrameAssembler::Slot* FrameAssembler::find(int64_t seq) const {
  const Slot& s = slots_[size_t(seq) & (slots_.size() - 1)];
  return s.seq == seq ? &s : nullptr;
}

void FrameAssembler::release(int64_t from, int64_t to) {
  for (int64_t s = from; s < to; ++s) {
    Slot& sl = slot(s);
    if (sl.seq == s) sl = Slot{};
  }
}

void FrameAssembler::give_up(int64_t through) {
  for (int64_t s = next_; s < through; ++s)
    if (!find(s)) ++counters_.lost;
  release(next_, through);
  next_ = through;
  if (codec_ != Codec::kOpus && !need_keyframe_) {
    need_keyframe_ = true;
    keyframe_request_ = true;
  }
}

void FrameAssembler::push(const Packet& packet, Instant now) {
  auto v = rtp::parse_rtp(packet.span());
  if (!v || v->payload.empty()) {
    ++counters_.malformed;
    return;
  }
  int64_t seq = unwrap_.unwrap(v->sequence);
  if (next_ < 0) next_ = highest_ = seq;
  if (seq < next_ || find(seq)) {
    ++counters_.late;
    return;
  }
  // Past the window: what is still missing in front cannot be waited for any longer.
  if (seq - next_ >= int64_t(slots_.size())) give_up(seq - int64_t(slots_.size()) + 1);
  Slot& s = slot(seq);
  s.packet = packet;
  s.seq = seq;
  s.arrival = now;
  if (seq > highest_) highest_ = seq;
  ++counters_.packets;
}

int64_t FrameAssembler::frame_end(int64_t& hole) const {
  hole = -1;
  const Slot* first = find(next_);
  if (!first) {
    hole = next_;
    return -1;
  }
  if (codec_ == Codec::kOpus) return next_ + 1;
  uint32_t ts = rtp::parse_rtp(first->packet.span())->timestamp;
  for (int64_t s = next_; s <= highest_; ++s) {
    const Slot* sl = find(s);
    if (!sl) {
      hole = s;
      return -1;
    }
    auto v = rtp::parse_rtp(sl->packet.span());
    if (v->timestamp != ts) return s;  // a sender that left the marker off: the frame ended
    if (v->marker) return s + 1;
  }
  return -1;
}

std::optional<Frame> FrameAssembler::pop(Instant now) {
  while (next_ >= 0 && next_ <= highest_) {
    int64_t hole;
    int64_t end = frame_end(hole);
    if (end < 0) {
      if (hole < 0) return std::nullopt;  // the frame's last packet has not come yet
      // Waited long enough since the first packet behind the hole came?
      int64_t after = hole + 1;
      while (after <= highest_ && !find(after)) ++after;
      if (after > highest_) return std::nullopt;
      if (now - find(after)->arrival < config_.wait) return std::nullopt;
      give_up(after);
      continue;
    }
    // A whole frame [next_, end): check it and join its payloads.
    joiner_.begin(codec_);
    Frame f;
    bool ok = true;
    for (int64_t s = next_; s < end && ok; ++s) {
      const Slot* sl = find(s);
      auto v = rtp::parse_rtp(sl->packet.span());
      auto p = parse_payload(codec_, v->payload);
      if (!p) ++counters_.malformed;
      ok = p && joiner_.add(*p);
      if (ok && s == next_) {
        f.rtp_timestamp = v->timestamp;
        f.arrival = sl->arrival;
      }
      if (ok) f.keyframe |= p->keyframe;  // H264: the IDR may follow the SPS and PPS packets
    }
    ok = ok && joiner_.finish();
    release(next_, end);
    next_ = end;
    if (!ok) {  // a frame without its start, or a bad packet: like a loss
      ++counters_.skipped_frames;
      if (codec_ != Codec::kOpus && !need_keyframe_) need_keyframe_ = keyframe_request_ = true;
      continue;
    }
    if (need_keyframe_ && !f.keyframe) {
      ++counters_.skipped_frames;
      continue;
    }
    need_keyframe_ = false;
    f.data = joiner_.bytes();
    ++counters_.frames;
    return f;
  }
  return std::nullopt;
}

Instant FrameAssembler::next_deadline() const {
  if (next_ < 0 || next_ > highest_) return kNever;
  int64_t hole;
  if (frame_end(hole) >= 0 || hole < 0) return kNever;
  for (int64_t s = hole + 1; s <= highest_; ++s)
    if (const Slot* sl = find(s)) return sl->arrival + config_.wait;
  return kNever;
}

}  // namespace umbrella::record
