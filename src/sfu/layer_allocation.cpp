#include "sfu/layer_allocation.hpp"

#include <algorithm>

namespace umbrella::sfu {

void allocate_layers(std::span<LayerChoice> choices, int64_t budget_bps) {
  int64_t total = 0;
  for (auto& c : choices) {
    c.cap = std::clamp(c.cap, 0, std::max(c.count - 1, 0));
    c.pick = budget_bps < 0 ? c.cap : 0;
    if (c.count > 0) total += c.bps[size_t(c.pick)];
  }
  if (budget_bps < 0) return;
  for (bool raised = true; raised;) {
    raised = false;
    for (auto& c : choices) {
      if (c.pick >= c.cap) continue;
      int64_t step = c.bps[size_t(c.pick) + 1] - c.bps[size_t(c.pick)];
      if (total + step > budget_bps) continue;
      total += step;
      ++c.pick;
      raised = true;
    }
  }
}

}  // namespace umbrella::sfu
