// What one site sends another to connect directly (DirectSetup in proto/umbrella.proto), as
// SiteSignal.payload through the rendezvous: parsed here from network bytes (bounded by
// umbrella.options; candidates that are not "ip:port" refuse the whole message).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/socket_address.hpp"

namespace umbrella::signal {

struct DirectSetupFields {
  static constexpr size_t kMaxCandidates = 8;
  uint64_t session = 0;
  std::string ufrag, pwd, fingerprint;  // fingerprint: "sha-256 AB:CD:..."
  std::vector<SocketAddress> candidates;
  bool operator==(const DirectSetupFields&) const = default;
};

// Largest encoding (fits SiteSignal.payload).
inline constexpr size_t kMaxDirectSetupSize = 1024;

// Refuses (nullopt) what does not decode, a field over its bound, an empty ufrag, pwd or
// fingerprint, an unusable candidate, or no candidate at all.
std::optional<DirectSetupFields> parse_direct_setup(Bytes payload);
// Returns the length written into out, 0 if it does not fit or a field is over its bound.
size_t build_direct_setup(const DirectSetupFields& s, MutableBytes out);

}  // namespace umbrella::signal
