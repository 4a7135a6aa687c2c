// Which simulcast layer of each track a subscriber gets: a pure function of what each layer
// costs and what the subscriber's link carries, so it is tested without a router.
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace umbrella::sfu {

inline constexpr size_t kMaxLayers = 3;

struct LayerChoice {
  std::array<int64_t, kMaxLayers> bps{};  // the track's live layers, cheapest first
  int count = 0;                          // live layers (0: nothing to choose)
  int cap = kMaxLayers - 1;               // the highest layer worth sending (e.g. tile size)
  int pick = 0;                           // out: index into bps
};

// Starts every track at its cheapest layer and raises them one step at a time, round robin,
// while the total stays within budget_bps, so several tracks share a link fairly rather than
// the first one taking it all. The cheapest layers go even when they do not fit (pausing is
// SubscriberBandwidth's call); budget_bps < 0 means unlimited (no estimate): the highest.
void allocate_layers(std::span<LayerChoice> choices, int64_t budget_bps);

}  // namespace umbrella::sfu
