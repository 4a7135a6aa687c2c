#include "sfu/twcc_feedback.hpp"

#include <algorithm>

#include "rtp/rtcp_twcc.hpp"

namespace umbrella::sfu {

void TwccFeedback::record(uint16_t seq, Instant arrival) {
  int64_t us = std::chrono::duration_cast<microseconds>(arrival.time_since_epoch()).count();
  if (!started_) {
    started_ = true;
    base_ = seq;
    last_sent_ = arrival;
  }
  int32_t offset = rtp::seq_diff(seq, base_);
  if (offset < 0) return;  // already reported (late or duplicate)
  if (count_ == 0 && size_t(offset) >= kWindow) {
    // Nothing pending and far ahead (a long outage): start afresh at this packet. A short
    // gap is reported, as lost, so the sender's loss-based estimate sees it.
    base_ = seq;
    offset = 0;
  }
  if (size_t(offset) >= kWindow) return;  // too far ahead of what the window can hold
  for (size_t i = count_; i <= size_t(offset); ++i) arrival_us_[i] = rtp::kTwccNotReceived;
  count_ = std::max(count_, size_t(offset) + 1);
  arrival_us_[size_t(offset)] = us;
}

size_t TwccFeedback::build(MutableBytes out, uint32_t sender_ssrc, uint32_t media_ssrc, Instant now) {
  if (count_ == 0) return 0;
  size_t n = rtp::build_twcc(out, sender_ssrc, media_ssrc, fb_count_, base_,
                             std::span<const int64_t>(arrival_us_.data(), count_));
  // Reported or not (a delta too large to encode), start afresh after this point.
  base_ = uint16_t(base_ + count_);
  count_ = 0;
  last_sent_ = now;
  if (n) ++fb_count_;
  return n;
}

}  // namespace umbrella::sfu
