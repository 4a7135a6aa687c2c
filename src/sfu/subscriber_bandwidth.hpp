// One subscriber transport that negotiated transport-cc: its transport-wide numbering, the
// send-side estimate (bwe::Estimator) and the decision to pause its video when the estimate
// cannot carry it. The router owns one per such transport and keeps a pointer to it in each
// of the transport's outputs, so the per-packet work is a few stores.
#pragma once

#include <cstdint>

#include "bwe/estimator.hpp"
#include "core/time.hpp"
#include "sfu/types.hpp"

namespace umbrella::sfu {

inline int64_t to_us(Instant t) {
  return std::chrono::duration_cast<microseconds>(t.time_since_epoch()).count();
}

struct BandwidthCounters {
  uint64_t pauses = 0, resumes = 0;
  uint64_t paused_packets = 0;  // video packets not sent while paused
  uint64_t probe_packets = 0;   // padding sent to probe
  uint64_t feedback = 0, malformed_feedback = 0;
};

class SubscriberBandwidth {
 public:
  // Hysteresis: pause when the estimate stays under kPauseRatio of what the transport's
  // media needs for kPauseAfter; resume once it reaches kResumeRatio (probing gets it there,
  // since audio alone cannot show more).
  static constexpr double kPauseRatio = 0.5, kResumeRatio = 1.05, kProbeRatio = 1.25;
  static constexpr Duration kPauseAfter = seconds(5);
  static constexpr Duration kNeedWindow = seconds(1);

  explicit SubscriberBandwidth(TransportId t) : transport(t) {}

  // Records a packet sent with transport-wide number next_seq (then advances it).
  uint16_t on_sent(size_t size, Kind kind, Instant now, int cluster = -1) {
    estimator.on_sent(next_seq, size, to_us(now), cluster);
    if (kind == Kind::kAudio) audio_bytes_ += size;
    return next_seq++;
  }
  // Counts video the publisher offered (sent or paused): what the transport would need.
  void on_video_offered(size_t size) { video_bytes_ += size; }
  // After each feedback: refreshes the need and decides. True when paused changed.
  bool update(Instant now);

  bool paused() const { return paused_; }
  int64_t need_bps() const { return need_bps_; }

  TransportId transport;
  uint16_t next_seq = 1;
  bwe::Estimator estimator;
  bwe::ProbePacer pacer;
  BandwidthCounters counters;
  // What the transport gets outside the simulcast choice (audio, single-stream video), summed
  // at each layer tick: the layers share what the estimate leaves.
  int64_t committed_bps = 0;
  // What the transport would carry with every simulcast track at its best layer (set at the
  // layer tick): probing aims that high, so that a subscriber can move up when its link can.
  int64_t best_bps = 0;

 private:
  uint64_t video_bytes_ = 0, audio_bytes_ = 0;
  Instant window_start_{};
  bool started_ = false;
  int64_t need_bps_ = 0;
  bool paused_ = false;
  bool below_ = false;
  Instant below_since_{};
};

}  // namespace umbrella::sfu
