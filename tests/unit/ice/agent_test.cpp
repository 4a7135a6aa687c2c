// Both agents through ice::Agent, the interface rtc::Transport drives them by: the same
// calls connect a controlling agent to a lite one, and each ignores what its role never
// receives (a lite agent sends no requests; a controlling agent answers none).
#include <doctest/doctest.h>

#include <optional>
#include <vector>

#include "ice/agent.hpp"
#include "ice/full_agent.hpp"
#include "ice/lite_agent.hpp"
#include "stun/message.hpp"

using namespace umbrella;
using namespace umbrella::ice;

namespace {

const Credentials kLite{"liteU", "lite-password-0123456789ab"};
const Credentials kCtl{"ctlU", "ctl-password-0123456789abcd"};

// One datagram from `from` into `to`; the response, if any, is returned parsed-ready.
HandleResult feed(Agent& to, Bytes datagram, const SocketAddress& from, Instant now, std::vector<uint8_t>& response) {
  auto msg = stun::parse(datagram);
  REQUIRE(msg.ok());
  response.assign(256, 0);
  HandleResult r = to.handle_stun(*msg, datagram, from, now, response);
  response.resize(r.response_size);
  return r;
}

}  // namespace

TEST_CASE("ice::Agent: a controlling and a lite agent connect through the interface alone") {
  ManualTimeSource clock;
  auto lite_addr = *SocketAddress::parse("203.0.113.1:3478");
  auto ctl_addr = *SocketAddress::parse("198.51.100.7:6000");
  IceLiteAgent lite_agent(kLite, kCtl, clock.now());
  IceFullAgent ctl_agent(kCtl, kLite, {lite_addr}, clock.now());
  Agent& lite = lite_agent;
  Agent& ctl = ctl_agent;

  std::vector<uint8_t> out(256), response, ignored;
  CHECK_FALSE(lite.poll_transmit(clock.now(), out));  // lite: never a request
  auto t = ctl.poll_transmit(clock.now(), out);
  REQUIRE(t);
  CHECK(t->destination == lite_addr);
  Bytes request = Bytes(out).first(t->size);

  HandleResult at_lite = feed(lite, request, ctl_addr, clock.now(), response);
  CHECK(at_lite.event == Event::kNominated);
  REQUIRE(at_lite.response_size > 0);
  HandleResult at_ctl = feed(ctl, response, lite_addr, clock.now(), ignored);
  CHECK(at_ctl.event == Event::kConnected);
  CHECK(at_ctl.response_size == 0);  // a response is never answered

  CHECK(lite.state() == State::kConnected);
  CHECK(ctl.state() == State::kConnected);
  CHECK(lite.selected_address() == ctl_addr);
  CHECK(ctl.selected_address() == lite_addr);

  // A request reaching the controlling agent that is not the peer's check for it (here its
  // own, with the far side's username and password) is refused 401 and changes nothing.
  HandleResult stray = feed(ctl, request, lite_addr, clock.now(), ignored);
  CHECK(stray.response_size > 0);
  CHECK(stray.event == Event::kRefused);
  CHECK(stray.error_code == stun::error::kUnauthorized);
  CHECK(ctl.selected_address() == lite_addr);

  // The same response again (a duplicate) changes nothing.
  CHECK(feed(ctl, response, lite_addr, clock.now(), ignored).event == Event::kNone);
  CHECK(ctl.next_deadline() > clock.now());
  CHECK(lite.next_deadline() == clock.now() + seconds(30));
}
