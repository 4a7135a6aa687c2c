#include <doctest/doctest.h>

#include "server/media_candidates.hpp"

using namespace umbrella;
using umbrella::server::media_candidates;

namespace {
std::vector<SocketAddress> ips(std::initializer_list<const char*> texts) {
  std::vector<SocketAddress> out;
  for (auto* t : texts) out.push_back(*SocketAddress::parse_ip(t));
  return out;
}
}  // namespace

TEST_CASE("media candidates: the configured public addresses, in order, IPv6 ones when the socket has IPv6") {
  auto pub = ips({"2001:db8::7", "203.0.113.7"});
  CHECK(media_candidates(pub, {"10.0.0.2"}, true) == std::vector<std::string>{"2001:db8::7", "203.0.113.7"});
  CHECK(media_candidates(pub, {}, false) == std::vector<std::string>{"203.0.113.7"});
  CHECK(media_candidates(ips({"2001:db8::7"}), {}, false).empty());  // the server refuses to start then
}

TEST_CASE("media candidates: interface addresses, IPv4 first, without loopback and link-local") {
  std::vector<std::string> ifs{"127.0.0.1", "::1", "fd00:198:18::1", "192.168.1.1", "fe80::1", "169.254.1.1",
                               "2001:db8::1"};
  CHECK(media_candidates({}, ifs, true) ==
        std::vector<std::string>{"192.168.1.1", "fd00:198:18::1", "2001:db8::1"});
  CHECK(media_candidates({}, ifs, false) == std::vector<std::string>{"192.168.1.1"});
  CHECK(media_candidates({}, {"127.0.0.1", "::1"}, true) == std::vector<std::string>{"127.0.0.1"});
  std::vector<std::string> many;
  for (int i = 1; i <= 20; ++i) many.push_back("10.0.0." + std::to_string(i));
  CHECK(media_candidates({}, many, true).size() == 8);
}
