// Which side of the DTLS handshake this transport plays.
#pragma once

namespace umbrella::dtls {

// kServer toward browsers (we answer with a=setup:passive, so they are DTLS clients);
// kClient for SFU-to-SFU trunks where we offer a=setup:active.
enum class Role { kServer, kClient };

}  // namespace umbrella::dtls
