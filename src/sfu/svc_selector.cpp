#include "sfu/svc_selector.hpp"

namespace umbrella::sfu {

bool SvcSelector::select(const rtp::Vp9Descriptor& d, bool in_order) {
  // A picture's layer frames come in spatial order, so its first packet is the base layer's
  // first; only there may the layers change (never halfway through a picture).
  if (in_order && d.begin && d.spatial == 0) {
    if (!d.inter) {  // a keyframe: nothing before it is needed, any layers will do
      spatial = target_spatial;
      temporal = target_temporal;
    } else {
      if (target_spatial < spatial) spatial = target_spatial;
      if (target_temporal < temporal) {
        temporal = target_temporal;
      } else if (target_temporal > temporal) {
        if (d.temporal == 0) {
          // A base picture: in the nested temporal patterns encoders use, nothing after it
          // refers to a higher-layer picture before it.
          temporal = target_temporal;
        } else if (d.switch_up && d.temporal > temporal && d.temporal <= target_temporal) {
          temporal = d.temporal;  // U: this picture refers to lower layers only
        }
      }
    }
  }
  return keeps(d);
}

}  // namespace umbrella::sfu
