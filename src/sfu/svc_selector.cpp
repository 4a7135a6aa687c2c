#include "sfu/svc_selector.hpp"

namespace umbrella::sfu {

SvcPacket svc_packet(const rtp::Vp9Descriptor& d) {
  SvcPacket p;
  p.spatial = d.spatial;
  p.temporal = d.temporal;
  // A picture's layer frames come in spatial order, so its first packet is the base layer's.
  p.picture_start = d.begin && d.spatial == 0;
  p.keyframe = p.picture_start && !d.inter;
  p.end = d.end;
  // A base picture: in the nested temporal patterns encoders use, nothing after it refers to a
  // higher-layer picture before it. U: this picture refers to lower layers only.
  if (d.temporal == 0) p.temporal_switch = 0xff;
  else if (d.switch_up && d.temporal < 8) p.temporal_switch = uint8_t(1u << d.temporal);
  return p;
}

SvcPacket svc_packet(const rtp::DependencyDescriptor& d, const rtp::DdStructure& s) {
  SvcPacket p;
  p.spatial = d.spatial;
  p.temporal = d.temporal;
  p.picture_start = d.start && d.spatial == 0;
  p.keyframe = p.picture_start && d.attached_structure;
  p.end = d.end;
  // The frame says, per decode target, whether decoding that target may start here: the
  // targets of this frame's spatial layer name the temporal layers it is a switch point for.
  for (uint8_t t = 0; t <= s.max_temporal; ++t) {
    int dt = s.decode_target(d.spatial, t);
    if (dt < 0 || d.dti(size_t(dt)) != rtp::Dti::kSwitch) continue;
    // The top layer stands for "everything" (kSvcAll) too.
    p.temporal_switch |= t == s.max_temporal ? uint8_t(0xffu << t) : uint8_t(1u << t);
  }
  return p;
}

bool SvcSelector::select(const SvcPacket& p, bool in_order) {
  // Only at a picture start may the layers change (never halfway through a picture).
  if (in_order && p.picture_start) {
    if (p.keyframe) {  // nothing before it is needed, any layers will do
      spatial = target_spatial;
      temporal = target_temporal;
    } else {
      if (target_spatial < spatial) spatial = target_spatial;
      if (target_temporal < temporal) {
        temporal = target_temporal;
      } else if (target_temporal > temporal) {
        // Up to the highest layer, not above the target, this picture is a switch point for.
        int top = target_temporal == kSvcAll ? 7 : target_temporal;
        for (int t = top; t > temporal; --t) {
          if (!((p.temporal_switch >> t) & 1)) continue;
          temporal = t == top ? target_temporal : uint8_t(t);
          break;
        }
      }
    }
  }
  return keeps(p);
}

}  // namespace umbrella::sfu
