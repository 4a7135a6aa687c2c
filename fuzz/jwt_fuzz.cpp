// Room access tokens (src/auth): the first byte picks what the rest is fed to — a whole token
// to verify_token() with the corpus' key, or the header or claims JSON alone (what a token
// with a valid signature could carry). Whatever parses must survive sign -> verify unchanged.
#include <string_view>

#include "auth/base64url.hpp"
#include "auth/jwt.hpp"
#include "fuzz_target.hpp"

UMBRELLA_FUZZ_TARGET(jwt) {
  using namespace umbrella;
  if (size == 0) return 0;
  static constexpr std::string_view kKey = "fuzz-room-key-0123456789";
  Bytes key(reinterpret_cast<const uint8_t*>(kKey.data()), kKey.size());
  constexpr int64_t kNow = 1767225600;  // 2026-01-01
  std::span<const uint8_t> rest(data + 1, size - 1);
  switch (data[0] % 4) {
    case 0: {
      auto r = auth::verify_token(std::string_view(reinterpret_cast<const char*>(rest.data()), rest.size()), key, kNow);
      if (r && (r->room.empty() || r->expires <= kNow)) __builtin_trap();
      break;
    }
    case 1:
      (void)auth::check_header(rest);
      break;
    case 2: {
      auto c = auth::parse_claims(rest);
      if (!c) break;
      if (c->room.size() > auth::kMaxClaimBytes || c->identity.size() > auth::kMaxClaimBytes ||
          c->name.size() > auth::kMaxClaimBytes)
        __builtin_trap();
      // Round trip: our own signature over what parsed verifies to the same claims.
      c->expires = kNow + 60;
      c->not_before = 0;
      auto back = auth::verify_token(auth::sign_token(*c, key), key, kNow);
      if (!back || back->room != c->room || back->identity != c->identity || back->name != c->name ||
          back->can_publish != c->can_publish || back->can_subscribe != c->can_subscribe)
        __builtin_trap();
      break;
    }
    default: {
      uint8_t out[1024];
      auto n = auth::base64url_decode(std::string_view(reinterpret_cast<const char*>(rest.data()), rest.size()), out);
      if (n && auth::base64url_encode(Bytes(out, *n)) != std::string_view(reinterpret_cast<const char*>(rest.data()), rest.size()))
        __builtin_trap();  // canonical: decoding then encoding gives the input back
      break;
    }
  }
  return 0;
}
