#include "server/access.hpp"

#include <ctime>

#include "auth/jwt.hpp"
#include "stun/hmac_sha1.hpp"

namespace umbrella::server {
namespace {
Bytes as_bytes(std::string_view s) { return Bytes(reinterpret_cast<const uint8_t*>(s.data()), s.size()); }
}  // namespace

Access::Access(std::string admin_secret, std::string room_key, Clock clock)
    : admin_secret_(std::move(admin_secret)), room_key_(std::move(room_key)), clock_(std::move(clock)) {
  if (!clock_) clock_ = [] { return int64_t(std::time(nullptr)); };
}

bool Access::is_admin(std::string_view presented) const {
  if (admin_secret_.empty()) return false;
  // Equal-length digests, so neither content nor length leaks through timing.
  auto key = as_bytes("umbrella admin");
  return stun::constant_time_equal(auth::hmac_sha256(key, as_bytes(presented)),
                                   auth::hmac_sha256(key, as_bytes(admin_secret_)));
}

bool Access::may_scrape(std::string_view presented) const {
  if (is_admin(presented)) return true;
  if (metrics_token_.empty()) return false;
  auto key = as_bytes("umbrella metrics");
  return stun::constant_time_equal(auth::hmac_sha256(key, as_bytes(presented)),
                                   auth::hmac_sha256(key, as_bytes(metrics_token_)));
}

Result<RoomGrant, AccessRefusal> Access::admit(std::string_view token, std::string_view room) const {
  if (rooms_open()) return RoomGrant{};
  if (token.empty())
    return Err{AccessRefusal{401, "this server needs a room access token: open the link with ?token= you were given"}};
  auto claims = auth::verify_token(token, as_bytes(room_key_), clock_());
  if (!claims) return Err{AccessRefusal{401, auth::describe(claims.error())}};
  if (claims->room != room)
    return Err{AccessRefusal{403, "the access token is for room '" + claims->room + "', not '" + std::string(room) + "'"}};
  return RoomGrant{claims->can_publish, claims->can_subscribe, claims->identity, claims->name};
}

Result<std::string, std::string> Access::issue(auth::RoomClaims claims, int64_t ttl_seconds) const {
  if (rooms_open()) return Err{std::string("no room key: set UMBRELLA_ROOM_KEY (or --room-key) to the server's")};
  if (claims.room.empty() || claims.identity.empty()) return Err{std::string("a token needs a room and an identity")};
  if (claims.room.size() > auth::kMaxClaimBytes || claims.identity.size() > auth::kMaxClaimBytes ||
      claims.name.size() > auth::kMaxClaimBytes)
    return Err{"room, identity and name take at most " + std::to_string(auth::kMaxClaimBytes) + " bytes each"};
  if (ttl_seconds <= 0 || ttl_seconds > 366 * 86400)
    return Err{std::string("the lifetime must be between a second and a year")};
  claims.expires = clock_() + ttl_seconds;
  return auth::sign_token(claims, as_bytes(room_key_));
}

int64_t parse_lifetime(std::string_view v) {
  if (v.empty() || v.size() > 9) return 0;
  int64_t n = 0;
  size_t i = 0;
  for (; i < v.size() && v[i] >= '0' && v[i] <= '9'; ++i) n = n * 10 + (v[i] - '0');
  if (i == 0 || i + 1 < v.size()) return 0;
  char unit = i < v.size() ? v[i] : 's';
  int64_t scale = unit == 's' ? 1 : unit == 'm' ? 60 : unit == 'h' ? 3600 : unit == 'd' ? 86400 : 0;
  return n * scale;
}

std::string_view bearer_token(const http::Request& request) {
  auto v = request.header("authorization").value_or("");
  constexpr std::string_view kScheme = "bearer ";
  if (v.size() <= kScheme.size()) return {};
  for (size_t i = 0; i < kScheme.size(); ++i)
    if (char(std::tolower(static_cast<unsigned char>(v[i]))) != kScheme[i]) return {};
  v.remove_prefix(kScheme.size());
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  return v;
}

}  // namespace umbrella::server
