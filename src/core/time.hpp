// Time as the protocol cores see it: a monotonic instant passed in by the caller.
// Cores never read a clock themselves; the event loop owns the one Clock.
#pragma once

#include <chrono>
#include <cstdint>

namespace umbrella {

using Clock = std::chrono::steady_clock;
using Instant = Clock::time_point;
using Duration = std::chrono::nanoseconds;
using std::chrono::milliseconds;
using std::chrono::microseconds;
using std::chrono::seconds;

// "No deadline": cores return this from next_deadline() when they have no timer.
inline constexpr Instant kNever = Instant::max();

// Source of "now" for the event loop; tests substitute a ManualClock.
class TimeSource {
 public:
  virtual ~TimeSource() = default;
  virtual Instant now() const = 0;
};

class SystemTimeSource final : public TimeSource {
 public:
  Instant now() const override { return Clock::now(); }
};

class ManualTimeSource final : public TimeSource {
 public:
  explicit ManualTimeSource(Instant start = Instant{} + seconds(1000)) : now_(start) {}
  Instant now() const override { return now_; }
  void advance(Duration d) { now_ += d; }
  void set(Instant t) { now_ = t; }

 private:
  Instant now_;
};

inline int64_t to_millis(Duration d) { return std::chrono::duration_cast<milliseconds>(d).count(); }

}  // namespace umbrella
