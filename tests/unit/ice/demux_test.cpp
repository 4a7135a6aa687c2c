#include <doctest/doctest.h>

#include <vector>

#include "ice/check_builder.hpp"
#include "ice/demux.hpp"

using namespace umbrella;
using namespace umbrella::ice;
using namespace umbrella::ice::test;

TEST_CASE("demux: RFC 7983 first-byte ranges") {
  auto kind = [](std::vector<uint8_t> d) { return classify_datagram(d); };
  CHECK(kind({}) == DatagramKind::kUnknown);
  CHECK(kind({0}) == DatagramKind::kStun);
  CHECK(kind({3}) == DatagramKind::kStun);
  CHECK(kind({4}) == DatagramKind::kUnknown);
  CHECK(kind({16}) == DatagramKind::kUnknown);  // ZRTP
  CHECK(kind({20}) == DatagramKind::kDtls);
  CHECK(kind({63}) == DatagramKind::kDtls);
  CHECK(kind({64}) == DatagramKind::kUnknown);  // TURN channel
  CHECK(kind({127}) == DatagramKind::kUnknown);
  CHECK(kind({128}) == DatagramKind::kRtp);
  CHECK(kind({191}) == DatagramKind::kRtp);
  CHECK(kind({192}) == DatagramKind::kUnknown);
  CHECK(kind({255}) == DatagramKind::kUnknown);
}

TEST_CASE("demux: binding requests route by the local ufrag, the rest by address") {
  // The route's ufrag is a view into the packet: the packets outlive the checks.
  auto route_of = [](const std::vector<uint8_t>& packet) {
    auto msg = stun::parse(packet);
    REQUIRE(msg.ok());
    return route_stun(*msg);
  };
  auto check = make_check("srvU:cliU", "pw");
  auto r = route_of(check);
  CHECK(r.by_ufrag);
  CHECK(r.ufrag == "srvU");
  auto check_no_colon = make_check("srvU", "pw");
  auto no_colon = route_of(check_no_colon);
  CHECK(no_colon.by_ufrag);
  CHECK_FALSE(no_colon.ufrag);
  auto empty_local = route_of(make_check(":cliU", "pw"));
  CHECK(empty_local.by_ufrag);
  CHECK_FALSE(empty_local.ufrag);
  CHECK_FALSE(route_of(make_check("srvU:cliU", "pw", {.with_username = false})).ufrag);
  // Not a binding request (another method): by source address, like responses.
  CHECK_FALSE(route_of(make_check("srvU:cliU", "pw", {.method = 0x003})).by_ufrag);

  std::vector<uint8_t> response(64);
  stun::MessageBuilder b(response, stun::method::kBinding, stun::MessageClass::kSuccessResponse, {});
  b.add_username("srvU:cliU");
  response.resize(b.finish());
  auto resp = route_of(response);
  CHECK_FALSE(resp.by_ufrag);
  CHECK_FALSE(resp.ufrag);
}
