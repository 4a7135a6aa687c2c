#include "bwe/delay_detector.hpp"

#include <algorithm>
#include <cmath>

namespace umbrella::bwe {
namespace {

constexpr int64_t kBurstUs = 5000;        // packets sent within 5 ms form one group
constexpr int64_t kMaxBurstUs = 100000;   // a burst of arrivals never spans more than this
constexpr double kSmoothing = 0.9;
constexpr double kThresholdGain = 4;
constexpr double kOveruseTimeMs = 10;
constexpr double kUp = 0.0087, kDown = 0.039;  // threshold adaptation (GCC section 5.4)

}  // namespace

void DelayDetector::on_packet(int64_t send_us, int64_t arrival_us) {
  if (!has_cur_) {
    cur_ = {send_us, send_us, arrival_us, arrival_us};
    has_cur_ = true;
    return;
  }
  if (send_us < cur_.first_send) return;  // reordered: belongs to a finished group
  int64_t arrival_delta = arrival_us - cur_.last_arrival;
  // Arrivals bunched after a queue drains belong to the group before them (GCC 5.2).
  bool burst = arrival_delta >= 0 && arrival_delta <= kBurstUs &&
               arrival_delta - (send_us - cur_.last_send) < 0 &&
               arrival_us - cur_.first_arrival < kMaxBurstUs;
  if (burst || send_us - cur_.first_send <= kBurstUs) {
    cur_.last_send = std::max(cur_.last_send, send_us);
    cur_.last_arrival = std::max(cur_.last_arrival, arrival_us);
    return;
  }
  if (has_prev_) {
    int64_t recv_delta = cur_.last_arrival - prev_.last_arrival;
    int64_t send_delta = cur_.last_send - prev_.last_send;
    if (recv_delta >= 0) on_deltas(double(recv_delta) / 1000, double(send_delta) / 1000,
                                   double(cur_.last_arrival) / 1000);
  }
  prev_ = cur_;
  has_prev_ = true;
  cur_ = {send_us, send_us, arrival_us, arrival_us};
}

void DelayDetector::on_deltas(double recv_delta_ms, double send_delta_ms, double arrival_ms) {
  num_deltas_ = std::min(num_deltas_ + 1, 1000);
  if (first_arrival_ms_ < 0) first_arrival_ms_ = arrival_ms;
  accumulated_ += recv_delta_ms - send_delta_ms;
  smoothed_ = kSmoothing * smoothed_ + (1 - kSmoothing) * accumulated_;
  xs_[samples_ % kWindow] = arrival_ms - first_arrival_ms_;
  ys_[samples_ % kWindow] = smoothed_;
  ++samples_;
  double trend = prev_trend_;
  if (samples_ >= kWindow) {  // least-squares slope of delay over time
    double mx = 0, my = 0;
    for (size_t i = 0; i < kWindow; ++i) mx += xs_[i], my += ys_[i];
    mx /= kWindow;
    my /= kWindow;
    double num = 0, den = 0;
    for (size_t i = 0; i < kWindow; ++i) {
      num += (xs_[i] - mx) * (ys_[i] - my);
      den += (xs_[i] - mx) * (xs_[i] - mx);
    }
    if (den != 0) trend = num / den;
  }
  detect(trend, send_delta_ms, arrival_ms);
}

void DelayDetector::detect(double trend, double send_delta_ms, double arrival_ms) {
  if (num_deltas_ < 2) return;
  double modified = std::min(num_deltas_, 60) * trend * kThresholdGain;
  if (modified > threshold_) {
    time_over_ms_ = time_over_ms_ < 0 ? send_delta_ms / 2 : time_over_ms_ + send_delta_ms;
    ++overuse_count_;
    if (time_over_ms_ > kOveruseTimeMs && overuse_count_ > 1 && trend >= prev_trend_) {
      time_over_ms_ = 0;
      overuse_count_ = 0;
      usage_ = Usage::kOverusing;
    }
  } else {
    time_over_ms_ = -1;
    overuse_count_ = 0;
    usage_ = modified < -threshold_ ? Usage::kUnderusing : Usage::kNormal;
  }
  prev_trend_ = trend;
  update_threshold(modified, arrival_ms);
}

void DelayDetector::update_threshold(double modified, double now_ms) {
  if (last_threshold_ms_ < 0) last_threshold_ms_ = now_ms;
  double m = std::fabs(modified);
  // A spike far above the threshold (e.g. a route change) must not drag it up.
  if (m > threshold_ + 15) {
    last_threshold_ms_ = now_ms;
    return;
  }
  double k = m < threshold_ ? kDown : kUp;
  double dt = std::min(now_ms - last_threshold_ms_, 100.0);
  threshold_ = std::clamp(threshold_ + k * (m - threshold_) * dt, 6.0, 600.0);
  last_threshold_ms_ = now_ms;
}

}  // namespace umbrella::bwe
