// What a viewer measures per received stream, without decoding: sequence continuity (loss,
// reordering, duplicates) from the RTP header, and end-to-end delay from the payload probe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

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
class DelayHistogram {
 public:
  void add(uint64_t ns);
  void merge(const DelayHistogram& o);
  uint64_t count() const { return count_; }
  double percentile_ms(double p) const;  // p in [0, 100]
  double max_ms() const { return max_ns_ / 1e6; }
  double mean_ms() const { return count_ ? sum_ns_ / 1e6 / double(count_) : 0; }
  void clear();

 private:
  static constexpr uint64_t kStepNs = 10'000;
  static constexpr size_t kBuckets = 200'000;
  std::vector<uint32_t> buckets_ = std::vector<uint32_t>(kBuckets + 1);
  uint64_t count_ = 0, max_ns_ = 0;
  double sum_ns_ = 0;
};

}  // namespace umbrella::loadgen
