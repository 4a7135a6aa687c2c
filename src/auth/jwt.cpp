#include "auth/jwt.hpp"

#include <mbedtls/md.h>

#include <array>
#include <cstdlib>

#include "auth/base64url.hpp"
#include "auth/json_object.hpp"
#include "signal/status.hpp"
#include "stun/hmac_sha1.hpp"

namespace umbrella::auth {
namespace {

constexpr size_t kMaxJsonBytes = kMaxTokenBytes / 4 * 3;

Bytes as_bytes(std::string_view s) { return Bytes(reinterpret_cast<const uint8_t*>(s.data()), s.size()); }

}  // namespace

const char* describe(TokenError e) {
  switch (e) {
    case TokenError::kMalformed: return "the access token is malformed";
    case TokenError::kUnsupported: return "the access token is not signed with HS256";
    case TokenError::kBadSignature: return "the access token's signature is wrong (another room key?)";
    case TokenError::kMissingClaim: return "the access token lacks room, sub or exp";
    case TokenError::kExpired: return "the access token has expired";
    case TokenError::kNotYetValid: return "the access token is not valid yet";
  }
  return "the access token is invalid";
}

std::array<uint8_t, 32> hmac_sha256(Bytes key, Bytes data) {
  std::array<uint8_t, 32> out{};
  // Only fails for a missing SHA-256, which the TLS suites need anyway; the zero MAC then
  // never matches a real one of a non-empty message.
  if (mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), key.data(), key.size(), data.data(), data.size(),
                      out.data()) != 0)
    out.fill(0);
  return out;
}

Result<bool, TokenError> check_header(std::span<const uint8_t> json) {
  JsonObjectReader r(json);
  if (!r.begin()) return Err{TokenError::kMalformed};
  bool hs256 = false;
  while (auto key = r.next_key(kMaxClaimBytes)) {
    if (*key == "alg") {
      auto alg = r.string_value(kMaxClaimBytes);
      if (!alg) return Err{TokenError::kMalformed};
      if (*alg != "HS256" || hs256) return Err{TokenError::kUnsupported};
      hs256 = true;
    } else if (*key == "crit") {
      return Err{TokenError::kUnsupported};  // extensions we would have to understand
    } else if (!r.skip_value()) {
      return Err{TokenError::kMalformed};
    }
  }
  if (!r.done()) return Err{TokenError::kMalformed};
  if (!hs256) return Err{TokenError::kUnsupported};
  return true;
}

Result<RoomClaims, TokenError> parse_claims(std::span<const uint8_t> json) {
  JsonObjectReader r(json);
  if (!r.begin()) return Err{TokenError::kMalformed};
  RoomClaims c;
  enum : unsigned { kRoom = 1, kSub = 2, kName = 4, kPub = 8, kSubs = 16, kExp = 32, kNbf = 64 };
  unsigned seen = 0;
  auto once = [&](unsigned bit) {
    bool fresh = !(seen & bit);
    seen |= bit;
    return fresh;
  };
  while (auto key = r.next_key(kMaxClaimBytes)) {
    bool ok = true;
    auto text = [&](unsigned bit, std::string& out) {
      auto v = r.string_value(kMaxClaimBytes);
      ok = once(bit) && v;
      if (ok) out = std::move(*v);
    };
    auto flag = [&](unsigned bit, bool& out) {
      auto v = r.bool_value();
      ok = once(bit) && v;
      if (ok) out = *v;
    };
    auto number = [&](unsigned bit, int64_t& out) {
      auto v = r.integer_value();
      ok = once(bit) && v;
      if (ok) out = *v;
    };
    if (*key == "room") text(kRoom, c.room);
    else if (*key == "sub") text(kSub, c.identity);
    else if (*key == "name") text(kName, c.name);
    else if (*key == "canPublish") flag(kPub, c.can_publish);
    else if (*key == "canSubscribe") flag(kSubs, c.can_subscribe);
    else if (*key == "exp") number(kExp, c.expires);
    else if (*key == "nbf") number(kNbf, c.not_before);
    else ok = r.skip_value();
    if (!ok) return Err{TokenError::kMalformed};
  }
  if (!r.done()) return Err{TokenError::kMalformed};
  if ((seen & (kRoom | kSub | kExp)) != (kRoom | kSub | kExp) || c.room.empty()) return Err{TokenError::kMissingClaim};
  return c;
}

Result<RoomClaims, TokenError> verify_token(std::string_view token, Bytes key, int64_t now) {
  if (token.size() > kMaxTokenBytes) return Err{TokenError::kMalformed};
  size_t dot1 = token.find('.');
  size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
    return Err{TokenError::kMalformed};
  std::array<uint8_t, 48> signature{};
  auto sig_len = base64url_decode(token.substr(dot2 + 1), signature);
  if (!sig_len) return Err{TokenError::kMalformed};
  auto expected = hmac_sha256(key, as_bytes(token.substr(0, dot2)));
  if (!stun::constant_time_equal(Bytes(signature.data(), *sig_len), expected)) return Err{TokenError::kBadSignature};

  std::array<uint8_t, kMaxJsonBytes> json{};
  auto header_len = base64url_decode(token.substr(0, dot1), json);
  if (!header_len) return Err{TokenError::kMalformed};
  if (auto h = check_header(std::span<const uint8_t>(json.data(), *header_len)); !h) return Err{h.error()};
  auto payload_len = base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1), json);
  if (!payload_len) return Err{TokenError::kMalformed};
  auto claims = parse_claims(std::span<const uint8_t>(json.data(), *payload_len));
  if (!claims) return claims;
  if (claims->expires <= now) return Err{TokenError::kExpired};
  if (claims->not_before > now) return Err{TokenError::kNotYetValid};
  return claims;
}

std::string sign_token(const RoomClaims& c, Bytes key) {
  std::string payload = "{\"room\":";
  signal::append_json_string(payload, c.room);
  payload += ",\"sub\":";
  signal::append_json_string(payload, c.identity);
  if (!c.name.empty()) {
    payload += ",\"name\":";
    signal::append_json_string(payload, c.name);
  }
  payload += std::string(",\"canPublish\":") + (c.can_publish ? "true" : "false");
  payload += std::string(",\"canSubscribe\":") + (c.can_subscribe ? "true" : "false");
  payload += ",\"exp\":" + std::to_string(c.expires);
  if (c.not_before) payload += ",\"nbf\":" + std::to_string(c.not_before);
  payload += "}";
  std::string out = base64url_encode(as_bytes(R"({"alg":"HS256","typ":"JWT"})")) + "." + base64url_encode(as_bytes(payload));
  auto mac = hmac_sha256(key, as_bytes(out));
  return out + "." + base64url_encode(mac);
}

}  // namespace umbrella::auth
