// Room access tokens: base64url, the JSON reader, signing and every refusal of verify_token.
#include <doctest/doctest.h>

#include <string>

#include "auth/base64url.hpp"
#include "auth/jwt.hpp"

namespace umbrella::auth {
namespace {

Bytes bytes(std::string_view s) { return Bytes(reinterpret_cast<const uint8_t*>(s.data()), s.size()); }
const std::string kKey = "unit-test-room-key-0123";
constexpr int64_t kNow = 1900000000;

Result<RoomClaims, TokenError> claims_of(std::string_view json) { return parse_claims(bytes(json)); }

RoomClaims ann() {
  RoomClaims c;
  c.room = "lobby";
  c.identity = "ann";
  c.name = "Ann";
  c.expires = kNow + 3600;
  return c;
}

std::string b64(std::string_view s) { return base64url_encode(bytes(s)); }

}  // namespace

TEST_CASE("base64url: RFC 4648 vectors, no padding, canonical only") {
  CHECK(b64("") == "");
  CHECK(b64("f") == "Zg");
  CHECK(b64("fo") == "Zm8");
  CHECK(b64("foobar") == "Zm9vYmFy");
  CHECK(base64url_encode(std::array<uint8_t, 2>{0xfb, 0xff}) == "-_8");
  uint8_t out[8];
  CHECK(base64url_decode("Zm9vYmFy", out) == 6u);
  CHECK(base64url_decode("-_8", out) == 2u);
  CHECK_FALSE(base64url_decode("Zg==", out));      // padding
  CHECK_FALSE(base64url_decode("Zm9+", out));      // standard alphabet
  CHECK_FALSE(base64url_decode("Z", out));         // 4n+1 characters
  CHECK_FALSE(base64url_decode("Zh", out));        // non-zero trailing bits
  CHECK_FALSE(base64url_decode("Zm9vYmFyZm9v", out));  // 9 bytes into 8
}

TEST_CASE("jwt: a token signed independently (Python hmac) verifies, with its claims") {
  const char* token =
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJyb29tIjoibG9iYnkiLCJzdWIiOiJhbm4iLCJuYW1lIjoiQW5uIiwiY2FuUHVibGlzaCI6ZmFs"
      "c2UsImV4cCI6MjAwMDAwMDAwMH0.T8PRKLYjIoXfRV1kdADmJIVpaDmD-M55nrTXrdMfHFA";
  auto c = verify_token(token, bytes(kKey), kNow);
  REQUIRE(c.ok());
  CHECK(c->room == "lobby");
  CHECK(c->identity == "ann");
  CHECK(c->name == "Ann");
  CHECK_FALSE(c->can_publish);
  CHECK(c->can_subscribe);
  CHECK(c->expires == 2000000000);
  CHECK(verify_token(token, bytes(kKey), 2000000000).error() == TokenError::kExpired);
}

TEST_CASE("jwt: sign then verify; every refusal names its reason") {
  std::string t = sign_token(ann(), bytes(kKey));
  REQUIRE(verify_token(t, bytes(kKey), kNow).ok());
  CHECK(verify_token(t, bytes(kKey), kNow)->can_publish);

  SUBCASE("expired and not yet valid") {
    CHECK(verify_token(t, bytes(kKey), kNow + 3600).error() == TokenError::kExpired);
    RoomClaims later = ann();
    later.not_before = kNow + 10;
    CHECK(verify_token(sign_token(later, bytes(kKey)), bytes(kKey), kNow).error() == TokenError::kNotYetValid);
  }
  SUBCASE("another key") {
    CHECK(verify_token(t, bytes("another-room-key-01234"), kNow).error() == TokenError::kBadSignature);
  }
  SUBCASE("tampered payload: the room changed, the signature kept") {
    auto dot1 = t.find('.'), dot2 = t.rfind('.');
    std::string forged = t.substr(0, dot1 + 1) +
                         b64(R"({"room":"board","sub":"ann","exp":1900003600})") + t.substr(dot2);
    CHECK(verify_token(forged, bytes(kKey), kNow).error() == TokenError::kBadSignature);
    std::string flipped = t;
    flipped[dot1 + 3] = flipped[dot1 + 3] == 'A' ? 'B' : 'A';
    CHECK(verify_token(flipped, bytes(kKey), kNow).error() == TokenError::kBadSignature);
  }
  SUBCASE("alg none or another algorithm, even correctly MACed") {
    for (std::string header : {R"({"alg":"none"})", R"({"alg":"HS512"})", R"({"typ":"JWT"})",
                               R"({"alg":"HS256","crit":["exp"]})"}) {
      std::string signing = b64(header) + "." + b64(R"({"room":"lobby","sub":"ann","exp":1900003600})");
      auto mac = hmac_sha256(bytes(kKey), bytes(signing));
      CHECK(verify_token(signing + "." + base64url_encode(mac), bytes(kKey), kNow).error() == TokenError::kUnsupported);
    }
  }
  SUBCASE("shape") {
    CHECK(verify_token("", bytes(kKey), kNow).error() == TokenError::kMalformed);
    CHECK(verify_token("a.b", bytes(kKey), kNow).error() == TokenError::kMalformed);
    CHECK(verify_token(t + ".x", bytes(kKey), kNow).error() == TokenError::kMalformed);
    CHECK(verify_token(std::string(kMaxTokenBytes + 1, 'a'), bytes(kKey), kNow).error() == TokenError::kMalformed);
    CHECK(verify_token(t.substr(0, t.size() - 2), bytes(kKey), kNow).error() != TokenError::kExpired);
  }
}

TEST_CASE("jwt claims: types, bounds, duplicates, unknown members") {
  CHECK(claims_of(R"({"room":"r","sub":"s","exp":5})").ok());
  CHECK(claims_of(R"( { "room" : "r" , "sub":"s", "exp" : 5 } )").ok());
  CHECK(claims_of(R"({"sub":"s","exp":5})").error() == TokenError::kMissingClaim);
  CHECK(claims_of(R"({"room":"r","exp":5})").error() == TokenError::kMissingClaim);
  CHECK(claims_of(R"({"room":"r","sub":"s"})").error() == TokenError::kMissingClaim);
  CHECK(claims_of(R"({"room":"","sub":"s","exp":5})").error() == TokenError::kMissingClaim);
  CHECK(claims_of(R"({"room":"r","room":"q","sub":"s","exp":5})").error() == TokenError::kMalformed);
  CHECK(claims_of(R"({"room":1,"sub":"s","exp":5})").error() == TokenError::kMalformed);
  CHECK(claims_of(R"({"room":"r","sub":"s","exp":"5"})").error() == TokenError::kMalformed);
  CHECK(claims_of(R"({"room":"r","sub":"s","exp":5.5})").error() == TokenError::kMalformed);
  CHECK(claims_of(R"({"room":"r","sub":"s","exp":-5})").error() == TokenError::kMalformed);
  CHECK(claims_of(R"({"room":"r","sub":"s","exp":05})").error() == TokenError::kMalformed);
  CHECK(claims_of(R"({"room":"r","sub":"s","exp":5,"canPublish":1})").error() == TokenError::kMalformed);
  CHECK(claims_of(R"({"room":"r","sub":"s","exp":5} x)").error() == TokenError::kMalformed);
  CHECK(claims_of(R"({"room":"r","sub":"s","exp":5,})").error() == TokenError::kMalformed);
  CHECK(claims_of(R"({"room":"r","sub":"s","exp":5)").error() == TokenError::kMalformed);
  CHECK(claims_of("{\"room\":\"r\x01\",\"sub\":\"s\",\"exp\":5}").error() == TokenError::kMalformed);
  std::string long_room = R"({"room":")" + std::string(kMaxClaimBytes + 1, 'x') + R"(","sub":"s","exp":5})";
  CHECK(claims_of(long_room).error() == TokenError::kMalformed);
  // Unknown members of any type are skipped, nested up to 8 deep.
  auto c = claims_of(R"({"iss":"k","video":{"roomJoin":true,"x":[1,-2.5e3,null,"}"]},"room":"r","sub":"s","exp":5})");
  REQUIRE(c.ok());
  CHECK(c->room == "r");
  std::string deep = R"({"x":)" + std::string(9, '[') + std::string(9, ']') + R"(,"room":"r","sub":"s","exp":5})";
  CHECK(claims_of(deep).error() == TokenError::kMalformed);
  // Escapes, surrogate pairs included; lone surrogates refused.
  auto e = claims_of(R"({"room":"a\"b\\\u00e9\ud83d\ude00","sub":"s","exp":5})");
  REQUIRE(e.ok());
  CHECK(e->room == "a\"b\\\xc3\xa9\xf0\x9f\x98\x80");
  CHECK(claims_of(R"({"room":"\ude00","sub":"s","exp":5})").error() == TokenError::kMalformed);
  // Raw UTF-8 passes; anything else (a lone continuation byte, overlong, a surrogate) does not.
  CHECK(claims_of("{\"room\":\"Zo\xc3\xab \xf0\x9f\x98\x80\",\"sub\":\"s\",\"exp\":5}").ok());
  for (const char* bad : {"\x9d", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc3"}) {
    CAPTURE(bad);
    CHECK(claims_of(std::string("{\"room\":\"") + bad + "\",\"sub\":\"s\",\"exp\":5}").error() == TokenError::kMalformed);
  }
  CHECK(claims_of(R"({"room":"\ud83d","sub":"s","exp":5})").error() == TokenError::kMalformed);
}

TEST_CASE("jwt: names with quotes and non-ASCII round-trip through sign_token") {
  RoomClaims c = ann();
  c.name = "Zo\xc3\xab \"the\" \\ <b>";
  c.can_subscribe = false;
  auto back = verify_token(sign_token(c, bytes(kKey)), bytes(kKey), kNow);
  REQUIRE(back.ok());
  CHECK(back->name == c.name);
  CHECK_FALSE(back->can_subscribe);
}

}  // namespace umbrella::auth
