// Unpredictable bytes for handshake keys and client masking keys (RFC 6455 10.3), from the
// kernel's CSPRNG.
#pragma once

#include "core/bytes.hpp"

namespace umbrella::ws {

void fill_random(MutableBytes out);

}  // namespace umbrella::ws
