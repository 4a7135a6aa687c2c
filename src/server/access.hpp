// Who may do what (README "Access control"): the administrator secret guards control
// (trunks, detailed status, ending others' sessions); room access tokens, when a room key is
// set, guard joining, publishing and subscribing. Every secret is compared in constant time.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "auth/jwt.hpp"
#include "core/result.hpp"
#include "http/request.hpp"

namespace umbrella::server {

// What one participant may do in its room.
struct RoomGrant {
  bool can_publish = true;
  bool can_subscribe = true;
  std::string identity;  // the token's sub; "" in open rooms
  std::string name;      // the token's display name, if it has one
};

struct AccessRefusal {
  int http_status = 401;  // 401: no or bad credential; 403: a good one that does not allow this
  std::string reason;
};

class Access {
 public:
  using Clock = std::function<int64_t()>;  // seconds since 1970
  Access(std::string admin_secret, std::string room_key, Clock clock = {});

  // False when no administrator secret is set (nothing is allowed then).
  bool is_admin(std::string_view presented) const;
  // /metrics: the administrator secret, or the token set here for scrapers only
  // (UMBRELLA_METRICS_TOKEN), so Prometheus need not hold the secret that controls the server.
  void set_metrics_token(std::string token) { metrics_token_ = std::move(token); }
  bool may_scrape(std::string_view presented) const;
  bool rooms_open() const { return room_key_.empty(); }
  // Checks a room token (Join.token, or WHIP/WHEP's bearer) for `room`. Open rooms admit
  // anyone with every right, whatever the token.
  Result<RoomGrant, AccessRefusal> admit(std::string_view token, std::string_view room) const;
  // Signs a token for `claims` valid `ttl_seconds` from now (`umbrella token`, the status
  // page's invite link); else why not, in one line.
  Result<std::string, std::string> issue(auth::RoomClaims claims, int64_t ttl_seconds) const;

 private:
  std::string admin_secret_;
  std::string room_key_;
  std::string metrics_token_;  // "": only the administrator may scrape
  Clock clock_;
};

// "90", "90s", "15m", "1h", "7d" -> seconds; 0 for anything else.
int64_t parse_lifetime(std::string_view text);

// The credential of "Authorization: Bearer <x>", or "" when there is none.
std::string_view bearer_token(const http::Request& request);

}  // namespace umbrella::server
