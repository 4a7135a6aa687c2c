// Publisher -> subscriber header extension ids. Only extensions whose meaning survives the hop
// are kept: abs-send-time and transport-cc (whose values the sending transport overwrites per
// hop), audio level and the AV1 dependency descriptor. MID/RID values belong to the publisher's session and are dropped, so a
// subscriber identifies streams by their signalled SSRC.
#pragma once

#include "rtp/rtp_mutate.hpp"
#include "sfu/types.hpp"

namespace umbrella::sfu {

rtp::ExtensionIdMap make_extension_map(const ExtensionIds& publisher, const ExtensionIds& subscriber);

}  // namespace umbrella::sfu
