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
