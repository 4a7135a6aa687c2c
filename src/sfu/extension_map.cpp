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
  return m;
}

}  // namespace umbrella::sfu
