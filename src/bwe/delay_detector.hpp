// The delay-based half of GCC (draft-ietf-rmcat-gcc section 5), as libwebrtc does it: packets
// are grouped by send time (5 ms bursts), the one-way delay gradient between groups is
// accumulated and smoothed, a trendline (least squares over the last 20 groups) gives its
// slope, and an adaptive threshold on that slope says over-use, under-use or normal.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace umbrella::bwe {

enum class Usage : uint8_t { kNormal, kOverusing, kUnderusing };

class DelayDetector {
 public:
  // One received packet, in feedback order (send times from our clock, arrivals from the
  // receiver's; only differences of each are used).
  void on_packet(int64_t send_us, int64_t arrival_us);
  Usage usage() const { return usage_; }
  double threshold() const { return threshold_; }

 private:
  struct Group {
    int64_t first_send = 0, last_send = 0, first_arrival = 0, last_arrival = 0;
  };
  void on_deltas(double recv_delta_ms, double send_delta_ms, double arrival_ms);
  void detect(double trend, double send_delta_ms, double arrival_ms);
  void update_threshold(double modified_trend, double now_ms);

  static constexpr size_t kWindow = 20;
  Group cur_, prev_;
  bool has_cur_ = false, has_prev_ = false;
  double accumulated_ = 0, smoothed_ = 0;
  std::array<double, kWindow> xs_{}, ys_{};  // (arrival ms, smoothed delay ms), ring
  size_t samples_ = 0;
  int num_deltas_ = 0;
  double first_arrival_ms_ = -1;
  double prev_trend_ = 0;
  double threshold_ = 12.5;
  double last_threshold_ms_ = -1;
  double time_over_ms_ = -1;
  int overuse_count_ = 0;
  Usage usage_ = Usage::kNormal;
};

}  // namespace umbrella::bwe
