#include "dtls/events.hpp"

namespace umbrella::dtls {

const char* to_string(State s) {
  switch (s) {
    case State::kNew: return "new";
    case State::kConnecting: return "connecting";
    case State::kConnected: return "connected";
    case State::kFailed: return "failed";
    case State::kClosed: return "closed";
  }
  return "unknown";
}

}  // namespace umbrella::dtls
