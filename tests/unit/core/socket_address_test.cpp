#include <doctest/doctest.h>

#include <arpa/inet.h>

#include <unordered_set>

#include "core/socket_address.hpp"

using namespace umbrella;

TEST_CASE("socket addresses parse, print and hash") {
  auto a = SocketAddress::parse("192.0.2.1:5000");
  REQUIRE(a);
  CHECK(a->to_string() == "192.0.2.1:5000");
  auto b = SocketAddress::parse("[2001:db8::1]:443");
  REQUIRE(b);
  CHECK(b->is_ipv6());
  CHECK(b->to_string() == "[2001:db8::1]:443");
  CHECK_FALSE(SocketAddress::parse("300.1.1.1:1"));
  CHECK_FALSE(SocketAddress::parse("1.2.3.4:70000"));
  std::unordered_set<SocketAddress> set{*a, *b, *a};
  CHECK(set.size() == 2);
  sockaddr_storage ss;
  auto len = a->to_sockaddr(ss);
  CHECK(SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len) == *a);
  CHECK(SocketAddress::parse("127.0.0.1:1")->is_loopback());
}

TEST_CASE("socket addresses: empty and oversize text is refused, not copied") {
  // A default string_view has a null data(); parse_ip once passed it to memcpy (UBSan).
  CHECK_FALSE(SocketAddress::parse_ip(std::string_view{}));
  CHECK_FALSE(SocketAddress::parse_ip(""));
  CHECK_FALSE(SocketAddress::parse(std::string_view{}, 53));
  CHECK_FALSE(SocketAddress::parse("[]:53"));
  CHECK_FALSE(SocketAddress::parse(":53"));
  CHECK_FALSE(SocketAddress::parse_ip(std::string(64, '1')));
  CHECK(SocketAddress::parse_ip("::ffff:1.2.3.4"));
}

TEST_CASE("IPv6 addresses: text both ways, mapped IPv4, link-local, sockaddr_in6") {
  auto full = SocketAddress::parse("[fd00:0:0:0:0:0:0:1]:50000");
  REQUIRE(full);
  CHECK(full->to_string() == "[fd00::1]:50000");  // the canonical (RFC 5952) form
  CHECK(full->ip_string() == "fd00::1");
  CHECK(SocketAddress::parse("[::1]")->port() == 0);
  CHECK(SocketAddress::parse("::1", 7)->port() == 7);  // a bare IPv6 address takes the default port
  CHECK_FALSE(SocketAddress::parse("[::1]x"));
  CHECK_FALSE(SocketAddress::parse("[::1:5"));
  CHECK_FALSE(SocketAddress::parse("[1.2.3.4:5"));
  CHECK_FALSE(SocketAddress::parse("[::1]:65536"));
  CHECK_FALSE(SocketAddress::parse_ip("fe80::1%eth0"));  // zones are not taken
  CHECK(SocketAddress::parse_ip("fe80::1")->is_link_local());
  CHECK(SocketAddress::parse_ip("febf::1")->is_link_local());
  CHECK_FALSE(SocketAddress::parse_ip("fec0::1")->is_link_local());
  CHECK(SocketAddress::parse_ip("169.254.3.4")->is_link_local());
  CHECK_FALSE(SocketAddress::parse_ip("2001:db8::1")->is_link_local());
  CHECK(SocketAddress::parse_ip("::1")->is_loopback());

  // What a dual-stack socket is given: IPv6 as is, IPv4 as ::ffff:a.b.c.d, and what it reports
  // for an IPv4 peer comes back as plain IPv4 (the same demux key as on an IPv4 socket).
  sockaddr_in6 in6;
  auto v4 = *SocketAddress::parse("192.0.2.9:4000");
  REQUIRE(v4.to_sockaddr_in6(in6) == sizeof(sockaddr_in6));
  CHECK(IN6_IS_ADDR_V4MAPPED(&in6.sin6_addr));
  CHECK(ntohs(in6.sin6_port) == 4000);
  auto back = SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&in6), sizeof(in6));
  REQUIRE(back);
  CHECK(back->is_ipv4());
  CHECK(*back == v4);
  REQUIRE(full->to_sockaddr_in6(in6) == sizeof(sockaddr_in6));
  CHECK(*SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&in6), sizeof(in6)) == *full);
  // A short sockaddr is refused.
  CHECK_FALSE(SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&in6), sizeof(sockaddr_in)));
}
