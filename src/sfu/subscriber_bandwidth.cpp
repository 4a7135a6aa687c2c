#include "sfu/subscriber_bandwidth.hpp"

#include <algorithm>

namespace umbrella::sfu {

bool SubscriberBandwidth::update(Instant now) {
  if (!started_) {
    started_ = true;
    window_start_ = now;
  }
  if (now - window_start_ >= kNeedWindow) {
    double s = std::chrono::duration<double>(now - window_start_).count();
    need_bps_ = int64_t(double(video_bytes_ + audio_bytes_) * 8 / s);
    video_bytes_ = audio_bytes_ = 0;
    window_start_ = now;
  }
  estimator.set_wanted(int64_t(double(std::max(need_bps_, best_bps)) * kProbeRatio));
  int64_t est = estimator.bps();
  if (paused_) {
    if (double(est) < double(need_bps_) * kResumeRatio) return false;
    paused_ = false;
    ++counters.resumes;
    return true;
  }
  // Only once feedback has shaped the estimate (not the start value).
  bool below = need_bps_ > 0 && estimator.counters().feedbacks >= 10 &&
               double(est) < double(need_bps_) * kPauseRatio;
  if (!below) {
    below_ = false;
    return false;
  }
  if (!below_) {
    below_ = true;
    below_since_ = now;
  }
  if (now - below_since_ < kPauseAfter) return false;
  paused_ = true;
  below_ = false;
  ++counters.pauses;
  return true;
}

}  // namespace umbrella::sfu
