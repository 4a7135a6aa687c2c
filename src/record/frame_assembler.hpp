// One track's jitter window: decrypted RTP packets in, whole codec frames out, in order.
// A missing packet is waited for (the SFU's NACK/RTX repairs it upstream) for at most
// `wait` after the first packet behind the gap arrived; then it is declared lost. Video
// then skips to the next keyframe and asks for one (take_keyframe_request); audio skips the
// lost packet. Sans-IO: push() and pop() take the time, next_deadline() says when a gap
// expires. Packets stay in the pool (no copy) until their frame is popped.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/packet_pool.hpp"
#include "core/time.hpp"
#include "record/frame_joiner.hpp"
#include "rtp/seq.hpp"

namespace umbrella::record {

struct AssemblerConfig {
  Duration wait = milliseconds(400);  // a few NACK round trips (sfu::RouterConfig::nack_rtt)
  size_t slots = 512;                 // packets held at most (power of two): ~3 s of 1.5 Mbps video
};

struct AssemblerCounters {
  uint64_t packets = 0;     // taken into the window
  uint64_t frames = 0;      // popped
  uint64_t lost = 0;        // packets given up on after the wait
  uint64_t late = 0;        // arrived after their place was skipped, or twice
  uint64_t malformed = 0;   // RTP or payload that does not parse: dropped
  uint64_t skipped_frames = 0;  // frames dropped while waiting for a keyframe
  uint64_t keyframe_requests = 0;

  AssemblerCounters& operator+=(const AssemblerCounters& c) {
    packets += c.packets;
    frames += c.frames;
    lost += c.lost;
    late += c.late;
    malformed += c.malformed;
    skipped_frames += c.skipped_frames;
    keyframe_requests += c.keyframe_requests;
    return *this;
  }
};

struct Frame {
  uint32_t rtp_timestamp = 0;
  Instant arrival{};  // of its first packet
  bool keyframe = false;
  Bytes data;  // valid until the next pop()
};

class FrameAssembler {
 public:
  explicit FrameAssembler(Codec codec, AssemblerConfig config = {});

  void push(const Packet& packet, Instant now);
  // The next whole frame in sequence order, if there is one by `now` (gaps older than the
  // wait are given up on here).
  std::optional<Frame> pop(Instant now);
  // When a gap's wait ends (kNever when there is none).
  Instant next_deadline() const;
  // True once after a loss (and at start) for video: ask the publisher for a keyframe.
  bool take_keyframe_request() {
    if (!keyframe_request_) return false;
    keyframe_request_ = false;
    ++counters_.keyframe_requests;
    return true;
  }
  // Video: drop frames until the next keyframe, and ask for one (a recording that starts).
  void restart_at_keyframe() {
    if (codec_ != Codec::kOpus) need_keyframe_ = keyframe_request_ = true;
  }
  const AssemblerCounters& counters() const { return counters_; }

 private:
  struct Slot {
    Packet packet;
    int64_t seq = -1;  // extended; -1 empty
    Instant arrival{};
  };
  Slot& slot(int64_t seq) { return slots_[size_t(seq) & (slots_.size() - 1)]; }
  const Slot* find(int64_t seq) const;
  void release(int64_t from, int64_t to);  // empties [from, to)
  void give_up(int64_t through);           // declares [next_, through) lost and moves past it
  // A complete frame starting at next_: its end (exclusive), or -1 (incomplete / hole).
  int64_t frame_end(int64_t& hole) const;

  Codec codec_;
  AssemblerConfig config_;
  std::vector<Slot> slots_;
  rtp::SeqUnwrapper unwrap_;
  int64_t next_ = -1;     // next sequence number to hand out
  int64_t highest_ = -1;  // highest stored
  bool need_keyframe_;
  bool keyframe_request_;
  FrameJoiner joiner_;  // the popped frame's bytes (capacity kept)
  AssemblerCounters counters_;
};

}  // namespace umbrella::record
