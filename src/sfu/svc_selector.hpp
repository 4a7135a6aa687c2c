// VP9 SVC per subscriber: one RTP stream carries every spatial and temporal layer, told apart
// by the payload descriptor, and a subscriber gets the layers up to its targets while the
// rest is dropped (as mediasoup's SvcConsumer and LiveKit's VP9 selector do). Layers change
// only where the picture survives it: down at any picture start; temporal up at a picture that
// is a switching-up point (U) or a base (TL0) picture; spatial up at a keyframe (the upper
// spatial layers of the L3T3_KEY modes browsers send depend on their own earlier frames).
#pragma once

#include <cstdint>

#include "rtp/vp9_descriptor.hpp"

namespace umbrella::sfu {

inline constexpr uint8_t kSvcAll = 0xff;  // every layer the publisher sends

struct SvcSelector {
  uint8_t spatial = kSvcAll, temporal = kSvcAll;  // forwarded now: layers up to these
  uint8_t target_spatial = kSvcAll, target_temporal = kSvcAll;

  // Moves toward the targets where the packet allows it, then: whether the packet goes. Only a
  // packet newer than every one before it (in_order) can move the layers: a late or resent
  // one's picture start is not where the stream is now.
  bool select(const rtp::Vp9Descriptor& d, bool in_order = true);
  bool keeps(const rtp::Vp9Descriptor& d) const { return d.spatial <= spatial && d.temporal <= temporal; }
  // The RTP marker a kept packet carries: the publisher's (end of its whole picture) or, when
  // the upper spatial layers are dropped, the end of the highest one kept, so the receiver
  // completes the picture there.
  bool marker(const rtp::Vp9Descriptor& d, bool publisher_marker) const {
    return publisher_marker || (d.end && d.spatial == spatial);
  }
  bool waits_for_keyframe() const { return target_spatial > spatial; }
};

}  // namespace umbrella::sfu
