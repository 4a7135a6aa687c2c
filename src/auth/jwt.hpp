// Room access tokens: JSON Web Tokens signed with HMAC-SHA256 (RFC 7519, RFC 7515), in the
// spirit of LiveKit's access tokens. The claims:
//   room          the one room the token admits to (required)
//   sub           who it is for: the identity, shown in logs (required)
//   name          display name shown to the others (optional; else the one the client gives)
//   canPublish    may send media (default true); false: a viewer token
//   canSubscribe  may receive media (default true)
//   exp           expiry, seconds since 1970 (required); nbf optional
// verify_token() and the parsers below take network input: bounded, no exceptions.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace umbrella::auth {

inline constexpr size_t kMaxTokenBytes = 1023;  // what Join.token holds (umbrella.options)
inline constexpr size_t kMaxClaimBytes = 63;    // room and names, as the signalling bounds them

struct RoomClaims {
  std::string room;
  std::string identity;  // "sub"
  std::string name;
  bool can_publish = true;
  bool can_subscribe = true;
  int64_t expires = 0;     // "exp"
  int64_t not_before = 0;  // "nbf", 0 = none
};

enum class TokenError : uint8_t {
  kMalformed,       // not three base64url parts of JSON objects, or a claim of the wrong type or size
  kUnsupported,     // a header other than HS256
  kBadSignature,
  kMissingClaim,    // room, sub or exp absent
  kExpired,
  kNotYetValid,
};
const char* describe(TokenError e);

// The payload and header JSON: one flat object (unknown members of any JSON type are
// skipped, nested at most 8 deep); a duplicated known member is refused.
Result<RoomClaims, TokenError> parse_claims(std::span<const uint8_t> json);
Result<bool, TokenError> check_header(std::span<const uint8_t> json);

// Signature first, then header, claims and time (`now`: seconds since 1970).
Result<RoomClaims, TokenError> verify_token(std::string_view token, Bytes key, int64_t now);
std::string sign_token(const RoomClaims& claims, Bytes key);

// HMAC-SHA256 through mbedTLS's md module.
std::array<uint8_t, 32> hmac_sha256(Bytes key, Bytes data);

}  // namespace umbrella::auth
