// AIMD rate control on the delay detector's signal (draft-ietf-rmcat-gcc section 5.5, shaped
// like libwebrtc's AimdRateControl): over-use cuts to 0.85 x what the receiver got, under-use
// holds, normal increases, multiplicatively (8 %/s) far from the last capacity seen and by
// about one packet per response time near it; never above 1.5 x the received rate.
#pragma once

#include <cstddef>
#include <cstdint>

#include "bwe/delay_detector.hpp"

namespace umbrella::bwe {

// Received bitrate from feedback, over windows of arrival time.
class AckedRate {
 public:
  void on_received(int64_t arrival_us, size_t bytes);
  int64_t bps() const { return bps_; }  // 0 until the first window closes

 private:
  int64_t window_start_us_ = -1;
  int64_t bytes_ = 0;
  int64_t bps_ = 0;
};

class RateControl {
 public:
  RateControl(int64_t start_bps, int64_t min_bps, int64_t max_bps)
      : rate_(start_bps), min_(min_bps), max_(max_bps) {}
  void update(Usage usage, int64_t acked_bps, int64_t now_us, int64_t rtt_us);
  // A probe measured more than the current rate: take it (never lowers the rate).
  void raise_to(int64_t bps);
  int64_t bps() const { return rate_; }

 private:
  enum class State : uint8_t { kHold, kIncrease, kDecrease };
  int64_t clamp(int64_t bps) const;

  int64_t rate_, min_, max_;
  int64_t capacity_ = 0;  // received rate at the last decrease (0: unknown, grow fast)
  int64_t last_update_us_ = -1;
  int64_t last_decrease_us_ = -1;
  State state_ = State::kHold;
};

}  // namespace umbrella::bwe
