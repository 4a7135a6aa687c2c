// SVC per subscriber: one RTP stream carries every spatial and temporal layer, told apart by
// the VP9 payload descriptor or, for AV1, the Dependency Descriptor header extension, and a
// subscriber gets the layers up to its targets while the rest is dropped (as mediasoup's
// SvcConsumer and LiveKit's selectors do). Layers change only where the picture survives it:
// down at any picture start; temporal up at a picture that is a switching point for the
// higher layers (VP9: U or a base picture; AV1: the frame's decode target indication says
// "switch"); spatial up at a keyframe (the upper spatial layers of the L3T3_KEY modes browsers
// send depend on their own earlier frames).
#pragma once

#include <cstdint>

#include "rtp/dependency_descriptor.hpp"
#include "rtp/vp9_descriptor.hpp"

namespace umbrella::sfu {

inline constexpr uint8_t kSvcAll = 0xff;  // every layer the publisher sends

// One packet as the selector sees it, whichever descriptor said so.
struct SvcPacket {
  uint8_t spatial = 0, temporal = 0;
  bool picture_start = false;  // first packet of the base spatial layer's frame
  bool keyframe = false;       // ... and that frame needs nothing before it
  bool end = false;            // last packet of its layer frame
  // Bit t: from this picture on, temporal layers up to t decode without what came before.
  uint8_t temporal_switch = 0;
};

SvcPacket svc_packet(const rtp::Vp9Descriptor& d);
// `s` is the structure d was read with.
SvcPacket svc_packet(const rtp::DependencyDescriptor& d, const rtp::DdStructure& s);

struct SvcSelector {
  uint8_t spatial = kSvcAll, temporal = kSvcAll;  // forwarded now: layers up to these
  uint8_t target_spatial = kSvcAll, target_temporal = kSvcAll;

  // Moves toward the targets where the packet allows it, then: whether the packet goes. Only a
  // packet newer than every one before it (in_order) can move the layers: a late or resent
  // one's picture start is not where the stream is now.
  bool select(const SvcPacket& p, bool in_order = true);
  bool keeps(const SvcPacket& p) const { return p.spatial <= spatial && p.temporal <= temporal; }
  // The RTP marker a kept packet carries: the publisher's (end of its whole picture) or, when
  // the upper spatial layers are dropped, the end of the highest one kept, so the receiver
  // completes the picture there.
  bool marker(const SvcPacket& p, bool publisher_marker) const {
    return publisher_marker || (p.end && p.spatial == spatial);
  }
  bool waits_for_keyframe() const { return target_spatial > spatial; }
};

}  // namespace umbrella::sfu
