// Whether the server itself keeps up, from how long forwarded packets waited in it and how
// busy its media thread was: when it falls behind, subscribers get lower simulcast layers (level 1, 2), then no video at all (the
// top level) before anything is dropped at random, so audio is the last to suffer. A pure
// function of samples taken by the event loop every kLoadTick, tested on virtual time.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "core/time.hpp"
#include "sfu/layer_allocation.hpp"

namespace umbrella::sfu {

inline constexpr Duration kLoadTick = milliseconds(500);
// Level kMaxLayers - 1 puts everyone on the lowest layer; one more pauses video.
inline constexpr int kMaxLoadLevel = int(kMaxLayers);

// What the server did since the previous sample.
struct LoadSample {
  uint64_t forwarded = 0;      // copies sent
  uint64_t late = 0;           // of them, waited longer than kLateUs since their datagram arrived
  uint64_t stale_dropped = 0;  // datagrams too old to forward at all (server::MediaPort)
  double busy = 0;             // share of the time the media thread was on the CPU (0..1)
};

class LoadGovernor {
 public:
  static constexpr uint64_t kLateUs = 65536;  // a bucket bound of DelayHistogram: counted exactly
  // Samples judged together (2 s): one sample is too short to tell a burst from a load.
  static constexpr size_t kWindow = 4;

  // Returns whether the level changed.
  bool on_sample(const LoadSample& s, Instant now);
  int level() const { return level_; }
  Duration hold() const { return hold_; }
  uint64_t raises() const { return raises_; }
  uint64_t lowers() const { return lowers_; }

 private:
  int level_ = 0;
  std::array<LoadSample, kWindow> recent_{};
  size_t next_ = 0;
  Instant last_change_{}, last_lower_{}, last_raise_{}, calm_since_{};
  bool calm_ = false;
  bool lower_held_ = true;  // the last step back has been judged (held or relapsed)
  // How long the server must be calm before a step back: doubled each time a step back brought
  // the overload back soon after, halved by each step back that held, so a load that does not
  // fit costs one step every few minutes rather than a flap every few seconds, and a passing
  // one (a crowd joining) does not keep video low for minutes after it has gone.
  Duration hold_ = kMinHold;
  uint64_t raises_ = 0, lowers_ = 0;
  static constexpr Duration kMinHold = seconds(4);
  static constexpr Duration kMaxHold = seconds(128);
};

}  // namespace umbrella::sfu
