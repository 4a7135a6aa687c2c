#include <doctest/doctest.h>

#include "net/hosts_file.hpp"
#include "net/resolv_conf.hpp"

using namespace umbrella;
using namespace umbrella::net;

namespace {
constexpr std::string_view kHosts =
    "# static table\n"
    "127.0.0.1\tlocalhost\n"
    "::1     localhost ip6-localhost  # comment\n"
    "10.0.0.5 Trunk.example.org trunk\r\n"
    "fe80::1%eth0 linklocal\n"
    "not-an-ip foo\n"
    "10.0.0.6 trunk\n"
    "   \n"
    "10.0.0.7";
}

TEST_CASE("hosts: names and aliases, case-insensitive, both families, file order") {
  auto all = lookup_hosts(kHosts, "localhost");
  REQUIRE(all.size() == 2);
  CHECK(all[0].ip_string() == "127.0.0.1");
  CHECK(all[1].ip_string() == "::1");
  auto v6 = lookup_hosts(kHosts, "localhost", SocketAddress::Family::kIPv6);
  REQUIRE(v6.size() == 1);
  CHECK(v6[0].is_ipv6());
  auto trunk = lookup_hosts(kHosts, "TRUNK");
  REQUIRE(trunk.size() == 2);
  CHECK(trunk[0].ip_string() == "10.0.0.5");
  CHECK(trunk[1].ip_string() == "10.0.0.6");
  CHECK(lookup_hosts(kHosts, "trunk.example.org.").size() == 1);
  CHECK(lookup_hosts(kHosts, "linklocal").size() == 1);
  CHECK(lookup_hosts(kHosts, "foo").empty());
  CHECK(lookup_hosts(kHosts, "comment").empty());
  CHECK(lookup_hosts("", "localhost").empty());
}

TEST_CASE("resolv.conf: servers, search, options, defaults") {
  auto c = parse_resolv_conf(
      "; generated\n"
      "domain lan\n"
      "search corp.example. example.org\n"
      "nameserver 192.168.1.1\n"
      "nameserver 2001:db8::53\n"
      "nameserver bogus\n"
      "nameserver 1.1.1.1 # trailing\n"
      "nameserver 8.8.8.8\n"
      "options ndots:2 timeout:3 attempts:9 rotate\n");
  REQUIRE(c.nameservers.size() == 3);
  CHECK(c.nameservers[0].to_string() == "192.168.1.1:53");
  CHECK(c.nameservers[1].to_string() == "[2001:db8::53]:53");
  CHECK(c.nameservers[2].to_string() == "1.1.1.1:53");
  REQUIRE(c.search.size() == 2);
  CHECK(c.search[0] == "corp.example");
  CHECK(c.ndots == 2);
  CHECK(c.timeout == seconds(3));
  CHECK(c.attempts == 5);

  auto d = parse_resolv_conf("options timeout:0 ndots:x\n");
  REQUIRE(d.nameservers.size() == 1);
  CHECK(d.nameservers[0].to_string() == "127.0.0.1:53");
  CHECK(d.timeout == seconds(1));
  CHECK(d.ndots == 1);
  CHECK(d.attempts == 2);

  // A bare "nameserver" (no address) is skipped; it once reached memcpy with a null pointer.
  auto e = parse_resolv_conf("nameserver\nnameserver \t\nnameserver 10.0.0.1\n");
  REQUIRE(e.nameservers.size() == 1);
  CHECK(e.nameservers[0].to_string() == "10.0.0.1:53");
}

TEST_CASE("resolv.conf: candidate names follow ndots and the search list") {
  ResolvConf c;
  c.search = {"lan", "corp"};
  CHECK(candidate_names("trunk", c) == std::vector<std::string>{"trunk.lan", "trunk.corp", "trunk"});
  CHECK(candidate_names("trunk.example.org", c) ==
        std::vector<std::string>{"trunk.example.org", "trunk.example.org.lan", "trunk.example.org.corp"});
  CHECK(candidate_names("exact.", c) == std::vector<std::string>{"exact"});
  CHECK(candidate_names("", c).empty());
}
