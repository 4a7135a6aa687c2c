#include "ice/event.hpp"

namespace umbrella::ice {

const char* to_string(Event e) {
  switch (e) {
    case Event::kNone: return "none";
    case Event::kNominated: return "nominated";
    case Event::kAddressChanged: return "address_changed";
    case Event::kRefused: return "refused";
    case Event::kConnected: return "connected";
    case Event::kFailed: return "failed";
    case Event::kConsentExpired: return "consent_expired";
  }
  return "?";
}

const char* to_string(State s) {
  switch (s) {
    case State::kNew: return "new";
    case State::kConnected: return "connected";
    case State::kFailed: return "failed";
  }
  return "?";
}

}  // namespace umbrella::ice
