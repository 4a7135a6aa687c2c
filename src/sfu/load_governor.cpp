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
}  // namespace

bool LoadGovernor::on_sample(const LoadSample& s, Instant now) {
  // Overloaded: anything too old to forward, or 5% of copies waiting over 65 ms (a healthy
  // loop sends within a millisecond or two; one slow HTTP request does not make 5%) while the
  // media thread had no time to spare. Late copies from a thread with idle time are a burst it
  // drains, not a load it cannot carry: a keyframe fanned out 1000 ways (as when everyone
  // switches layer at once) is 50,000 copies, the last of them sent 200 ms after the first.
  // Calm: no copy waited that long. In between the level stays.
  bool overloaded = s.stale_dropped > 0 || (s.forwarded > 0 && s.late * 20 > s.forwarded && s.busy >= kBusy);
  bool calm = s.stale_dropped == 0 && s.late == 0;
  if (overloaded) {
    calm_ = false;
    if (level_ >= kMaxLoadLevel || (last_change_ != Instant{} && now - last_change_ < kStepSettle)) return false;
    if (last_lower_ != Instant{} && now - last_lower_ < kRelapse) hold_ = std::min(hold_ * 2, kMaxHold);
    ++level_;
    ++raises_;
    last_change_ = now;
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
  if (now - calm_since_ < hold_) return false;
  --level_;
  ++lowers_;
  last_lower_ = last_change_ = now;
  calm_since_ = now;  // each further step needs its own calm period
  return true;
}

}  // namespace umbrella::sfu
