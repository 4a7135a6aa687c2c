#include "server/admission.hpp"

#include "core/log.hpp"

namespace umbrella::server {

Admission::Admission(AdmissionLimits limits)
    : limits_(limits), joins_(limits.joins_per_minute), sessions_(limits.sessions_per_minute) {}

std::string Admission::refuse(uint64_t& counter, const SocketAddress& from, std::string why, Instant now) {
  ++counter;
  if (log_.due(now)) LOG_WARN("signal", "refused ", from.ip_string(), ": ", why, " (logged once per 10 s; see /status)");
  return why;
}

std::optional<Refusal> Admission::admit(Kind kind, const SocketAddress& from, const std::string& room,
                                            size_t in_room, size_t in_server, Instant now) {
  bool http = kind == Kind::kHttpSession;
  AddressRate& rate = http ? sessions_ : joins_;
  if (!rate.allow(from, now))
    return Refusal{true, refuse(http ? counters_.session_rate : counters_.join_rate, from,
                  std::string("too many ") + (http ? "WHIP/WHEP sessions" : "joins") + " from this address (over " +
                      std::to_string(rate.per_minute()) + " a minute); try again later",
                  now)};
  if (limits_.max_participants && in_server >= limits_.max_participants)
    return Refusal{false, refuse(counters_.server_full, from,
                                 "this server is full (" + std::to_string(limits_.max_participants) + " participants)",
                                 now)};
  if (limits_.max_room_participants && in_room >= limits_.max_room_participants)
    return Refusal{false, refuse(counters_.room_full, from,
                                 "room " + room + " is full (" + std::to_string(limits_.max_room_participants) +
                                     " participants)",
                                 now)};
  return std::nullopt;
}

TokenBucket Admission::message_budget() const {
  return TokenBucket(limits_.messages_per_second, 2.0 * limits_.messages_per_second);
}

bool Admission::message(TokenBucket& budget, const SocketAddress& from, Instant now) {
  if (!limits_.messages_per_second || budget.take(now)) return true;
  refuse(counters_.message_rate, from,
         "more than " + std::to_string(limits_.messages_per_second) + " signalling messages a second", now);
  return false;
}

}  // namespace umbrella::server
