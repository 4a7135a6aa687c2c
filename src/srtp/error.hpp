// SRTP failures as a small enum the caller counts per kind (no logging per packet).
#pragma once

#include <string_view>

namespace umbrella::srtp {

enum class Error {
  kFail,            // unspecified libsrtp failure
  kBadParam,        // malformed packet (too short, bad header) or bad key material
  kAuthFail,        // tag did not verify: tampered, wrong key, or not for us
  kReplayFail,      // index already seen in the replay window
  kReplayOld,       // index older than the replay window
  kCipherFail,
  kNoContext,       // no stream for this SSRC (should not happen with wildcard SSRCs)
  kKeyExpired,      // key usage limit reached: rekey needed
  kBufferTooSmall,  // caller's capacity cannot hold the tag / trailer
  kInitFail,        // srtp_init or srtp_create failed
  kOther,
};

std::string_view to_string(Error e);

}  // namespace umbrella::srtp
