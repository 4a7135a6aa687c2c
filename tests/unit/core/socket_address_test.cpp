#include <doctest/doctest.h>

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
