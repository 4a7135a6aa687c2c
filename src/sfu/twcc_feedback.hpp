// Transport-wide congestion control feedback (draft-holmer-rmcat-transport-wide-cc-extensions)
// for one publisher transport: records when each transport-wide sequence number arrived and,
// every interval, describes them in one RTCP feedback packet. Browsers negotiate transport-cc
// and then size their sending rate by this feedback alone: without it they stay near their
// start bitrate. Fixed capacity, no allocation after construction.
#pragma once

#include <array>
#include <cstdint>

#include "core/bytes.hpp"
#include "core/time.hpp"
#include "rtp/seq.hpp"

namespace umbrella::sfu {

class TwccFeedback {
 public:
  static constexpr size_t kWindow = 512;  // sequence numbers one feedback can describe
  static constexpr Duration kInterval = milliseconds(50);

  void record(uint16_t transport_seq, Instant arrival);
  bool pending() const { return count_ > 0; }
  Instant next_deadline() const { return pending() ? last_sent_ + kInterval : kNever; }
  // Writes one feedback packet about everything recorded since the last one; 0 if nothing.
  size_t build(MutableBytes out, uint32_t sender_ssrc, uint32_t media_ssrc, Instant now);

 private:
  std::array<int64_t, kWindow> arrival_us_{};  // by (seq - base_) while count_ > 0
  uint16_t base_ = 0;                          // first sequence not yet reported
  size_t count_ = 0;                           // span base_ .. base_ + count_ - 1
  bool started_ = false;
  uint8_t fb_count_ = 0;
  Instant last_sent_{};
};

}  // namespace umbrella::sfu
