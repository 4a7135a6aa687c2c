#include <doctest/doctest.h>

#include <set>

#include "ice/credentials.hpp"
#include "ice/event.hpp"

using namespace umbrella::ice;

TEST_CASE("generate_credentials: lengths, ice-chars, uniqueness") {
  auto is_ice_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
  };
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    auto c = generate_credentials();
    CHECK(c.ufrag.size() >= 4);
    CHECK(c.pwd.size() >= 22);
    for (char ch : c.ufrag) CHECK(is_ice_char(ch));
    for (char ch : c.pwd) CHECK(is_ice_char(ch));
    CHECK(seen.insert(c.ufrag + ":" + c.pwd).second);
  }
  CHECK(random_u64() != random_u64());
}

TEST_CASE("event and state names") {
  CHECK(std::string(to_string(Event::kConsentExpired)) == "consent_expired");
  CHECK(std::string(to_string(State::kConnected)) == "connected");
}
