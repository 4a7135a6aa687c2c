// MESSAGE-INTEGRITY verification (RFC 8489 14.5). FINGERPRINT is verified by parse().
#pragma once

#include "core/bytes.hpp"
#include "stun/message.hpp"

namespace umbrella::stun {

// True if msg (parsed from raw) carries a MESSAGE-INTEGRITY that matches key.
// Short-term credentials (ICE): key = the password bytes.
// Long-term credentials: key = long_term_key(username, realm, password).
bool verify_message_integrity(Bytes raw, const Message& msg, Bytes key);

}  // namespace umbrella::stun
