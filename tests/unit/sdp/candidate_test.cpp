#include <doctest/doctest.h>

#include "sdp/candidate.hpp"
#include "sdp/limits.hpp"

using namespace umbrella::sdp;

TEST_CASE("candidate: Chrome host with network extensions") {
  auto c = parse_candidate("1467250027 1 udp 2122260223 192.168.1.52 54321 typ host generation 0 network-id 1 network-cost 10");
  REQUIRE(c);
  CHECK(c->foundation == "1467250027");
  CHECK(c->component == 1);
  CHECK(c->transport == "udp");
  CHECK(c->priority == 2122260223u);
  CHECK(c->address == "192.168.1.52");
  CHECK(c->port == 54321);
  CHECK(c->type == "host");
  CHECK(c->generation == 0u);
  REQUIRE(c->extensions.size() == 2);
  CHECK(c->extensions[0].first == "network-id");
  CHECK(c->extensions[1].second == "10");
  CHECK(format_candidate(*c) ==
        "1467250027 1 udp 2122260223 192.168.1.52 54321 typ host generation 0 network-id 1 network-cost 10");
}

TEST_CASE("candidate: srflx, relay and tcp forms round-trip") {
  for (const char* text : {
           "842163049 1 udp 1686052607 203.0.113.77 54400 typ srflx raddr 192.168.1.52 rport 54321 generation 0",
           "1982394717 1 udp 41885439 198.51.100.20 3478 typ relay raddr 203.0.113.77 rport 54400",
           "435653019 1 tcp 1518280447 192.168.1.52 9 typ host tcptype active generation 0",
           "f957a2332b1715da3b0ef8ba684454eb 1 udp 2130706431 fd00::2 34752 typ host",
       }) {
    auto c = parse_candidate(text);
    REQUIRE_MESSAGE(c, text);
    CHECK(format_candidate(*c) == text);
  }
  auto relay = parse_candidate("1 1 udp 41885439 198.51.100.20 3478 typ relay raddr 203.0.113.77 rport 54400");
  REQUIRE(relay);
  CHECK(relay->related_address == "203.0.113.77");
  CHECK(relay->related_port == 54400);
  auto tcp = parse_candidate("1 1 tcp 1518280447 192.168.1.52 9 typ host tcptype passive");
  REQUIRE(tcp);
  CHECK(tcp->tcp_type == "passive");
}

TEST_CASE("candidate: trickle form with candidate: prefix") {
  auto c = parse_candidate("candidate:1 1 UDP 2130706431 10.0.0.1 5000 typ host");
  REQUIRE(c);
  CHECK(c->transport == "UDP");
  CHECK(c->foundation == "1");
}

TEST_CASE("candidate: malformed values are refused") {
  CHECK_FALSE(parse_candidate(""));
  CHECK_FALSE(parse_candidate("1 1 udp 2130706431 10.0.0.1 5000 host"));            // no "typ"
  CHECK_FALSE(parse_candidate("1 1 udp 2130706431 10.0.0.1 70000 typ host"));       // port
  CHECK_FALSE(parse_candidate("1 0 udp 2130706431 10.0.0.1 5000 typ host"));        // component 0
  CHECK_FALSE(parse_candidate("1 1 udp 99999999999 10.0.0.1 5000 typ host"));       // priority
  CHECK_FALSE(parse_candidate("1 1 udp -1 10.0.0.1 5000 typ host"));
  CHECK_FALSE(parse_candidate("1 1 udp 1 10.0.0.1 5000 typ host raddr"));           // dangling name
  CHECK_FALSE(parse_candidate("1 1 udp 1 10.0.0.1 5000 typ host rport x"));
  CHECK_FALSE(parse_candidate("1 1 udp 1 10.0.0.1 5000 typ host generation -3"));
  std::string huge = "1 1 udp 1 10.0.0.1 5000 typ host";
  for (size_t i = 0; i < umbrella::sdp::kMaxTokensPerLine; ++i) huge += " k v";
  CHECK_FALSE(parse_candidate(huge));  // over the token bound
}

TEST_CASE("candidate: server host candidates") {
  auto cs = host_candidates({"198.18.0.1", "2001:db8::1"}, 40000);
  REQUIRE(cs.size() == 2);
  CHECK(cs[0].address == "198.18.0.1");
  CHECK(cs[1].address == "2001:db8::1");
  CHECK(cs[0].port == 40000);
  CHECK(cs[1].port == 40000);
  CHECK(cs[0].type == "host");
  CHECK(cs[0].transport == "udp");
  CHECK(cs[0].foundation != cs[1].foundation);
  CHECK(cs[0].priority > cs[1].priority);
  // RFC 8445: host type preference 126, component 1.
  CHECK(cs[0].priority == (126u << 24 | 65535u << 8 | 255u));
  CHECK(candidate_priority(126, 65535, 1) == 2130706431u);
  auto again = parse_candidate(format_candidate(cs[1]));
  REQUIRE(again);
  CHECK(again->address == "2001:db8::1");
}
