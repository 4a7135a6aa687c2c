#include "srtp/error.hpp"

namespace umbrella::srtp {

std::string_view to_string(Error e) {
  switch (e) {
    case Error::kFail: return "fail";
    case Error::kBadParam: return "bad_param";
    case Error::kAuthFail: return "auth_fail";
    case Error::kReplayFail: return "replay_fail";
    case Error::kReplayOld: return "replay_old";
    case Error::kCipherFail: return "cipher_fail";
    case Error::kNoContext: return "no_context";
    case Error::kKeyExpired: return "key_expired";
    case Error::kBufferTooSmall: return "buffer_too_small";
    case Error::kInitFail: return "init_fail";
    case Error::kOther: return "other";
  }
  return "unknown";
}

}  // namespace umbrella::srtp
