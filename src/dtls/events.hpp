// What a DtlsTransport reports to its owner, polled after each input.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "srtp/profile.hpp"

namespace umbrella::dtls {

enum class State { kNew, kConnecting, kConnected, kFailed, kClosed };

// Handshake done, peer fingerprint verified, SRTP keys oriented for our role.
struct Connected {
  srtp::SrtpKeys keys;
};
struct Failed {
  std::string reason;
};
// The peer sent close_notify.
struct Closed {};
// One DTLS application-data record (an SCTP packet for data channels).
struct ApplicationData {
  std::vector<uint8_t> data;
};

using Event = std::variant<Connected, Failed, Closed, ApplicationData>;

const char* to_string(State s);

}  // namespace umbrella::dtls
