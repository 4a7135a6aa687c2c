// What an ICE agent tells its owner after each input, and the state it is in.
#pragma once

#include <cstdint>

namespace umbrella::ice {

enum class Event : uint8_t {
  kNone,
  kNominated,       // lite or controlled: first valid USE-CANDIDATE check; selected_address() is set
  kAddressChanged,  // lite or controlled: a valid USE-CANDIDATE check from a new address moved the selection
  kRefused,         // lite: request answered with an error response (400/401/420/487), no state change
  kConnected,       // controlling: a nominating check succeeded; selected_address() is set
  kFailed,          // controlling: every candidate's check failed
  kConsentExpired,  // no valid check / response for the consent timeout: release the transport
};

enum class State : uint8_t {
  kNew,        // no nomination yet
  kConnected,  // a selected address exists
  kFailed,     // consent expired or checks failed; terminal
};

const char* to_string(Event e);
const char* to_string(State s);

}  // namespace umbrella::ice
