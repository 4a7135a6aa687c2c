#include "sfu/load_governor.hpp"

#include <algorithm>

namespace umbrella::sfu {
namespace {
// A step takes effect at the next keyframes (layer switches wait for them) and once the
// backlog from before it has drained; a step back costs a burst of its own (every subscriber
// switching layer at once gets a keyframe): give either that long before judging it.
constexpr Duration kStepSettle = seconds(2);
// A step back followed by overload within this long was premature.
constexpr Duration kRelapse = seconds(10);
constexpr double kBusy = 0.9;
// Below this the thread has room for the bursts a step back brings.
constexpr double kCalmBusy = 0.8;

// Behind: anything too old to forward, or 5% of copies waiting over 65 ms (a healthy loop
// sends within a millisecond or two; one slow HTTP request does not make 5%).
bool behind(const LoadSample& s) { return s.stale_dropped > 0 || (s.forwarded > 0 && s.late * 20 > s.forwarded); }
}  // namespace

bool LoadGovernor::on_sample(const LoadSample& s, Instant now) {
  recent_[next_] = s;
  next_ = (next_ + 1) % kWindow;
  LoadSample w;
  bool behind_throughout = true;
  for (const auto& r : recent_) {
    w.forwarded += r.forwarded, w.late += r.late, w.stale_dropped += r.stale_dropped, w.busy += r.busy / kWindow;
    behind_throughout = behind_throughout && behind(r);
  }
  // Overloaded: behind over the window while the media thread had no time to spare, or behind
  // in every sample of it whatever its share of the CPU (other processes starving it). Late
  // copies from a thread with idle time are a burst it drains, not a load it cannot carry: a
  // keyframe fanned out 1000 ways (as when everyone switches layer at once) is 50,000 copies,
  // the last of them sent 200 ms after the first, which is a third of one sample's copies at
  // 1->1000 but not of the window's, nor its CPU. Calm: nothing stale, and no copy late or
  // room to spare. In between the level stays.
  bool overloaded = behind(w) && (w.busy >= kBusy || behind_throughout);
  bool calm = w.stale_dropped == 0 && (w.late == 0 || w.busy < kCalmBusy);
  if (overloaded) {
    calm_ = false;
    if (level_ >= kMaxLoadLevel || (last_change_ != Instant{} && now - last_change_ < kStepSettle)) return false;
    if (last_lower_ != Instant{} && now - last_lower_ < kRelapse) hold_ = std::min(hold_ * 2, kMaxHold);
    ++level_;
    ++raises_;
    lower_held_ = true;  // judged: it did not
    last_raise_ = last_change_ = now;
    return true;
  }
  if (!calm) {
    calm_ = false;
    return false;
  }
  if (!calm_) {
    calm_ = true;
    calm_since_ = now;
  }
  if (level_ == 0) {
    // Calm long enough after the last relapse window: start again from the shortest hold.
    if (now - calm_since_ >= kMaxHold) hold_ = kMinHold;
    return false;
  }
  // The previous step back held (no overload for longer than a relapse takes): the load that
  // doubled the hold has gone.
  if (!lower_held_ && last_raise_ < last_lower_ && now - last_lower_ >= kRelapse) {
    lower_held_ = true;
    hold_ = std::max(hold_ / 2, kMinHold);
  }
  if (now - calm_since_ < hold_) return false;
  --level_;
  lower_held_ = false;
  ++lowers_;
  last_lower_ = last_change_ = now;
  calm_since_ = now;  // each further step needs its own calm period
  return true;
}

}  // namespace umbrella::sfu
