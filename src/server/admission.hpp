// Who may come in, and how fast: participants per room and per server, joins and WHIP/WHEP
// sessions per address per minute, signalling messages per connection per second. Each
// refusal says why (the Error or 429 the client gets), is counted for /status and is logged
// at most once per interval, so a flood costs neither the log nor anyone else's session.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "server/address_rate.hpp"

namespace umbrella::server {

// 0 disables a bound.
struct AdmissionLimits {
  size_t max_participants = 0;       // local participants on this server (/wsb, WHIP, WHEP)
  size_t max_room_participants = 0;  // local participants in one room
  uint32_t joins_per_minute = 0;     // /wsb joins per address
  uint32_t sessions_per_minute = 0;  // WHIP/WHEP sessions per address
  uint32_t messages_per_second = 0;  // signalling messages per /wsb connection (twice that in a burst)
};

struct AdmissionCounters {
  uint64_t server_full = 0;
  uint64_t room_full = 0;
  uint64_t join_rate = 0;
  uint64_t session_rate = 0;
  uint64_t message_rate = 0;
};

struct Refusal {
  bool over_rate;  // too many too fast (429, CODE_RATE_LIMITED), else full
  std::string reason;
};

class Admission {
 public:
  explicit Admission(AdmissionLimits limits);

  enum class Kind { kJoin, kHttpSession };
  // nullopt: admitted. Else the reason, already counted (and maybe logged).
  std::optional<Refusal> admit(Kind kind, const SocketAddress& from, const std::string& room, size_t in_room,
                                   size_t in_server, Instant now);
  // A fresh per-connection message budget, and one message taken from it (false: over the rate).
  TokenBucket message_budget() const;
  bool message(TokenBucket& budget, const SocketAddress& from, Instant now);

  const AdmissionLimits& limits() const { return limits_; }
  const AdmissionCounters& counters() const { return counters_; }

 private:
  std::string refuse(uint64_t& counter, const SocketAddress& from, std::string why, Instant now);
  AdmissionLimits limits_;
  AdmissionCounters counters_;
  AddressRate joins_, sessions_;
  LogInterval log_;
};

}  // namespace umbrella::server
