#include "bwe/rate_control.hpp"

#include <algorithm>
#include <cmath>

namespace umbrella::bwe {
namespace {

constexpr int64_t kAckWindowUs = 200000;
constexpr double kBeta = 0.85;

}  // namespace

void AckedRate::on_received(int64_t arrival_us, size_t bytes) {
  if (window_start_us_ < 0) window_start_us_ = arrival_us;
  bytes_ += int64_t(bytes);
  int64_t span = arrival_us - window_start_us_;
  if (span < kAckWindowUs) return;
  int64_t sample = bytes_ * 8 * 1000000 / span;
  bps_ = bps_ == 0 ? sample : (bps_ + sample) / 2;
  window_start_us_ = arrival_us;
  bytes_ = 0;
}

int64_t RateControl::clamp(int64_t bps) const { return std::clamp(bps, min_, max_); }

void RateControl::raise_to(int64_t bps) {
  if (bps > rate_) rate_ = clamp(bps);
  capacity_ = 0;
}

void RateControl::update(Usage usage, int64_t acked, int64_t now_us, int64_t rtt_us) {
  if (last_update_us_ < 0) last_update_us_ = now_us;
  double dt_s = std::min(double(now_us - last_update_us_) / 1e6, 1.0);
  last_update_us_ = now_us;
  if (usage == Usage::kOverusing) {
    state_ = State::kDecrease;
  } else if (usage == Usage::kUnderusing) {
    state_ = State::kHold;  // queues draining: hold until they have
  } else if (state_ != State::kIncrease) {
    state_ = State::kIncrease;
    return;  // the increase starts from the next update
  }
  if (state_ == State::kHold) return;
  if (state_ == State::kDecrease) {
    // One cut per round trip: further over-use signals are the same queue.
    if (last_decrease_us_ >= 0 && now_us - last_decrease_us_ < std::max<int64_t>(rtt_us, 200000)) return;
    int64_t base = acked > 0 ? acked : rate_;
    rate_ = clamp(std::min(rate_, int64_t(kBeta * double(base))));
    capacity_ = acked > 0 ? (capacity_ > 0 ? (capacity_ + acked) / 2 : acked) : capacity_;
    last_decrease_us_ = now_us;
    state_ = State::kHold;
    return;
  }
  if (capacity_ > 0 && acked > capacity_ * 3 / 2) capacity_ = 0;  // the link got better
  int64_t next;
  if (capacity_ > 0 && rate_ >= capacity_ * 9 / 10) {
    // Near the known capacity: about one packet per response time (a frame at 30 fps split
    // into packets of at most 1200 bytes).
    double frame_bits = double(rate_) / 30;
    double packets = std::ceil(frame_bits / (1200 * 8));
    double response_s = double(rtt_us) / 1e6 + 0.1;
    next = rate_ + int64_t(std::max(4000.0, frame_bits / packets / response_s) * dt_s);
  } else {
    next = rate_ + std::max<int64_t>(1000, int64_t(double(rate_) * (std::pow(1.08, dt_s) - 1)));
  }
  // No further than the receiver shows we can reach; a cap never lowers the rate itself.
  if (acked > 0) next = std::min(next, std::max(rate_, acked * 3 / 2 + 10000));
  rate_ = clamp(next);
}

}  // namespace umbrella::bwe
