// DirectSetup (src/signal/direct_setup.hpp): what one site sends another through the
// rendezvous to connect directly.
#include <doctest/doctest.h>

#include <array>

#include "signal/direct_setup.hpp"

using namespace umbrella;

TEST_CASE("direct setup: what parses rebuilds to the same bytes; bad candidates and missing fields are refused") {
  signal::DirectSetupFields s{42, "ufrag", "password-password-1234", "sha-256 AB:CD", {*SocketAddress::parse("10.0.0.1:5000"), *SocketAddress::parse("[2001:db8::1]:7")}};
  std::array<uint8_t, signal::kMaxDirectSetupSize> buf{};
  size_t n = signal::build_direct_setup(s, buf);
  REQUIRE(n > 0);
  auto back = signal::parse_direct_setup(Bytes(buf.data(), n));
  REQUIRE(back);
  CHECK(*back == s);
  auto no_candidates = s;
  no_candidates.candidates.clear();
  n = signal::build_direct_setup(no_candidates, buf);
  CHECK_FALSE(signal::parse_direct_setup(Bytes(buf.data(), n)));
  auto too_many = s;
  too_many.candidates.resize(9, *SocketAddress::parse("10.0.0.1:1"));
  CHECK(signal::build_direct_setup(too_many, buf) == 0);
  auto no_port = s;
  no_port.candidates = {*SocketAddress::parse("10.0.0.1:0")};
  n = signal::build_direct_setup(no_port, buf);
  CHECK_FALSE(signal::parse_direct_setup(Bytes(buf.data(), n)));
  const uint8_t junk[] = {0x0a, 0xff, 0x01};
  CHECK_FALSE(signal::parse_direct_setup(Bytes(junk, sizeof junk)));
}
