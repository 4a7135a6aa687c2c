// The loss-based bound of GCC (draft-ietf-rmcat-gcc section 6): over 10 % loss cuts the rate
// by half the loss fraction, under 2 % lets the bound grow by 5 % a report, between holds.
// Loss is counted from feedback over at least kMinPackets packets.
#pragma once

#include <algorithm>
#include <cstdint>

namespace umbrella::bwe {

class LossBound {
 public:
  static constexpr int kMinPackets = 20;

  explicit LossBound(int64_t max_bps) : bound_(max_bps), max_(max_bps) {}
  // Adds one feedback's received/lost counts; `current` is the estimate the cut applies to.
  void on_feedback(int received, int lost, int64_t current, int64_t now_us, int64_t rtt_us) {
    received_ += received;
    lost_ += lost;
    int total = received_ + lost_;
    if (total < kMinPackets) return;
    double loss = double(lost_) / total;
    received_ = lost_ = 0;
    last_loss_permille_ = int(loss * 1000);
    if (loss > 0.10) {
      // One cut per round trip plus a margin, as the loss it reacts to is that old.
      if (last_cut_us_ >= 0 && now_us - last_cut_us_ < rtt_us + 300000) return;
      bound_ = std::max<int64_t>(1, int64_t(double(std::min(bound_, current)) * (1 - 0.5 * loss)));
      last_cut_us_ = now_us;
    } else if (loss < 0.02) {
      bound_ = std::min(max_, bound_ + bound_ / 20 + 1000);
    }
  }
  void raise_to(int64_t bps) { bound_ = std::max(bound_, std::min(bps, max_)); }
  int64_t bps() const { return bound_; }
  int loss_permille() const { return last_loss_permille_; }

 private:
  int64_t bound_, max_;
  int received_ = 0, lost_ = 0;
  int last_loss_permille_ = 0;
  int64_t last_cut_us_ = -1;
};

}  // namespace umbrella::bwe
