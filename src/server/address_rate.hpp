// Rate bounds for what one client may start: a token bucket, and a table of them per address
// with a fixed number of slots, so the bound's own state cannot grow with the number of
// addresses an attacker uses (the least recently seen address is forgotten first).
#pragma once

#include <cstdint>
#include <vector>

#include "core/socket_address.hpp"
#include "core/time.hpp"

namespace umbrella::server {

// One host: its IPv4 address, or its IPv6 /64 (a host usually holds a whole /64 and could
// otherwise pick a fresh address per connection). Port 0.
SocketAddress host_key(const SocketAddress& peer);

// `per_second` tokens a second, at most `burst` saved up; starts full.
class TokenBucket {
 public:
  TokenBucket(double per_second, double burst) : rate_(per_second), burst_(burst), tokens_(burst) {}
  // Takes one token if there is one.
  bool take(Instant now);
  bool full(Instant now) const { return level(now) >= burst_; }

 private:
  double level(Instant now) const;
  double rate_, burst_, tokens_;
  Instant last_{};
};

class AddressRate {
 public:
  // per_minute == 0: no bound (allow() always true, nothing stored).
  explicit AddressRate(uint32_t per_minute, size_t slots = 1024);
  // One more from `from` (any port; see host_key). False when its bucket is empty.
  bool allow(const SocketAddress& from, Instant now);
  // Whether allow() would refuse, without taking anything.
  bool exhausted(const SocketAddress& from, Instant now) const;
  uint32_t per_minute() const { return per_minute_; }
  size_t tracked() const;

 private:
  struct Slot {
    SocketAddress key;
    TokenBucket bucket;
    Instant seen{};
  };
  const Slot* find(const SocketAddress& key) const;
  uint32_t per_minute_;
  size_t capacity_;
  std::vector<Slot> slots_;  // reserved up front, never beyond capacity_
};

// "Log this refusal at most once per interval": counters count every one, the log a few.
class LogInterval {
 public:
  explicit LogInterval(Duration interval = seconds(10)) : interval_(interval) {}
  bool due(Instant now) {
    if (now < next_) return false;
    next_ = now + interval_;
    return true;
  }

 private:
  Duration interval_;
  Instant next_{};
};

}  // namespace umbrella::server
