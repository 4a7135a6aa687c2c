#include <doctest/doctest.h>

#include "server/trunk_link.hpp"

using umbrella::server::parse_trunk_url;
using umbrella::server::trunk_host_header;

TEST_CASE("trunk URL: wss defaults") {
  auto u = parse_trunk_url("wss://sfu2.example.org");
  REQUIRE(u);
  CHECK(u->tls);
  CHECK(u->host == "sfu2.example.org");
  CHECK(u->port == 443);
  CHECK(u->path == "/wsb");
  CHECK(trunk_host_header(*u) == "sfu2.example.org");
}

TEST_CASE("trunk URL: port and prefix path") {
  auto u = parse_trunk_url("wss://sfu2.example.org:8443/umbrella/wsb");
  REQUIRE(u);
  CHECK(u->port == 8443);
  CHECK(u->path == "/umbrella/wsb");
  CHECK(trunk_host_header(*u) == "sfu2.example.org:8443");
  auto slash = parse_trunk_url("WSS://h:9/");
  REQUIRE(slash);
  CHECK(slash->path == "/wsb");
  auto query = parse_trunk_url("wss://h?x=1");
  REQUIRE(query);
  CHECK(query->path == "/wsb?x=1");
}

TEST_CASE("trunk URL: ws:// for tests") {
  auto u = parse_trunk_url("ws://127.0.0.1:8080/wsb");
  REQUIRE(u);
  CHECK_FALSE(u->tls);
  CHECK(u->host == "127.0.0.1");
  CHECK(u->port == 8080);
  auto d = parse_trunk_url("ws://localhost");
  REQUIRE(d);
  CHECK(d->port == 80);
  CHECK(trunk_host_header(*d) == "localhost");
}

TEST_CASE("trunk URL: IPv6 literal") {
  auto u = parse_trunk_url("wss://[::1]:9443/wsb");
  REQUIRE(u);
  CHECK(u->host == "::1");
  CHECK(u->port == 9443);
  CHECK(trunk_host_header(*u) == "[::1]:9443");
  auto d = parse_trunk_url("wss://[2001:db8::5]");
  REQUIRE(d);
  CHECK(d->host == "2001:db8::5");
  CHECK(d->port == 443);
  CHECK(trunk_host_header(*d) == "[2001:db8::5]");
}

TEST_CASE("trunk URL: rejects malformed input with the URL in the message") {
  for (const char* bad : {"", "https://h/wsb", "wss://", "wss://:443", "wss://h:", "wss://h:0", "wss://h:65536",
                          "wss://h:12x", "wss://h:123456", "wss://user@h", "wss://[::1", "wss://[]:1", "wss://[::1]x",
                          "wss://h/a b", "wss://h/#frag", "wss://h!/", "wss://[zz::1]",
                          "wss://[fd00::1::2]:1", "wss://[1.2.3.4]:1", "wss://[fe80::1]:1"}) {
    CAPTURE(bad);
    auto u = parse_trunk_url(bad);
    REQUIRE_FALSE(u);
    CHECK(u.error().find("bad trunk URL") == 0);
  }
  auto max = parse_trunk_url("ws://h:65535");
  REQUIRE(max);
  CHECK(max->port == 65535);
}
