#include "sfu/extension_map.hpp"

namespace umbrella::sfu {

rtp::ExtensionIdMap make_extension_map(const ExtensionIds& pub, const ExtensionIds& sub) {
  rtp::ExtensionIdMap m;  // drops everything by default
  auto keep = [&](uint8_t in, uint8_t out) {
    if (in != 0 && out != 0) m.set(in, out);
  };
  keep(pub.abs_send_time, sub.abs_send_time);
  // transport-cc numbers belong to one hop: the element is kept for its room and the router
  // writes its own per-subscriber numbering into it (RtpRewrite::transport_seq).
  keep(pub.transport_cc, sub.transport_cc);
  keep(pub.audio_level, sub.audio_level);
  // The dependency descriptor goes on unchanged: a receiver needs it to put AV1 SVC layer
  // frames together (libwebrtc takes frame boundaries, references and the keyframe structure
  // from it), and its frame numbers may skip the frames the router drops (receivers resolve
  // references by number, they do not expect every number). The router takes it off the
  // packets it does not select layers by (Router::forward), where it could be inconsistent.
  keep(pub.dependency_descriptor, sub.dependency_descriptor);
  return m;
}

}  // namespace umbrella::sfu
