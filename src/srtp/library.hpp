// libsrtp's process-wide initialisation, done once on first use.
#pragma once

namespace umbrella::srtp {

// Calls srtp_init() exactly once (thread-safe); true when the library is usable.
// SrtpSession::create calls it, so callers need not.
bool ensure_library_initialized();

}  // namespace umbrella::srtp
