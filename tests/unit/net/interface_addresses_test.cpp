// The machine's addresses: whatever interfaces this host has, each is a parseable IP, listed
// once, and never an IPv6 link-local one (unusable without a zone).
#include <doctest/doctest.h>

#include <set>

#include "core/socket_address.hpp"
#include "net/interface_addresses.hpp"

namespace umbrella::net {

TEST_CASE("interface_addresses: parseable, unique, no IPv6 link-local") {
  auto addresses = interface_addresses();
  std::set<std::string> seen;
  for (auto& a : addresses) {
    CAPTURE(a);
    CHECK(SocketAddress::parse_ip(a).has_value());
    CHECK(a.rfind("fe80:", 0) != 0);
    CHECK(seen.insert(a).second);
  }
}

}  // namespace umbrella::net
