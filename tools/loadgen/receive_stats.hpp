// What a viewer measures per received stream, without decoding: sequence continuity (loss,
// reordering, duplicates) from the RTP header, and end-to-end delay from the payload probe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/delay_histogram.hpp"

namespace umbrella::loadgen {

class SequenceTracker {
 public:
  // Returns false for a duplicate or a packet older than the window.
  bool add(uint16_t seq);
  uint64_t received() const { return received_; }
  uint64_t expected() const { return started_ ? uint64_t(highest_ - first_ + 1) : 0; }
  uint64_t lost() const { return expected() > received_ ? expected() - received_ : 0; }
  uint64_t reordered() const { return reordered_; }
  uint64_t duplicates() const { return duplicates_; }

 private:
  bool started_ = false;
  int64_t first_ = 0, highest_ = 0;  // extended sequence numbers
  uint64_t received_ = 0, reordered_ = 0, duplicates_ = 0;
  std::vector<uint64_t> seen_ = std::vector<uint64_t>(16);  // 1024-packet bitmap ring
};

// Delays from 0 to 2 s in 10 us steps, plus an overflow bucket.

}  // namespace umbrella::loadgen
