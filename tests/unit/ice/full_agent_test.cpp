#include <doctest/doctest.h>

#include <algorithm>
#include <functional>

#include "ice/full_agent.hpp"
#include "ice/lite_agent.hpp"
#include "check_builder.hpp"
#include "stun/integrity.hpp"
#include "stun/builder.hpp"
#include "stun/message.hpp"

using namespace umbrella;
using namespace umbrella::ice;

namespace {

const Credentials kServer{"srvU", "server-password-0123456789"};
const Credentials kClient{"cliU", "client-password-0123456789"};

// An in-process network: the controlling agent on ctl_addr talks to a lite agent
// reachable at lite_addr; drop() decides per datagram whether it is lost.
struct Net {
  ManualTimeSource clock;
  SocketAddress ctl_addr = *SocketAddress::parse("198.51.100.7:6000");
  SocketAddress lite_addr = *SocketAddress::parse("203.0.113.1:3478");
  IceLiteAgent lite{kServer, kClient, clock.now()};
  IceFullAgent ctl;
  std::function<bool(bool to_lite, const SocketAddress& dest)> drop = [](bool, const SocketAddress&) { return false; };
  std::vector<Event> ctl_events, lite_events;
  int requests = 0, delivered = 0;

  explicit Net(std::vector<SocketAddress> candidates, Credentials remote = kServer, FullAgentConfig cfg = {})
      : ctl(kClient, std::move(remote), std::move(candidates), clock.now(), cfg) {}
  Net() : Net(std::vector<SocketAddress>{*SocketAddress::parse("203.0.113.1:3478")}) {}

  void record(std::vector<Event>& v, Event e) {
    if (e != Event::kNone) v.push_back(e);
  }

  void flush() {
    std::vector<uint8_t> out(256), resp(256);
    while (auto t = ctl.poll_transmit(clock.now(), out)) {
      ++requests;
      if (!(t->destination == lite_addr) || drop(true, t->destination)) continue;
      ++delivered;
      auto r = lite.handle_stun(Bytes(out).first(t->size), ctl_addr, clock.now(), resp);
      record(lite_events, r.event);
      if (r.response_size == 0 || drop(false, ctl_addr)) continue;
      record(ctl_events, ctl.handle_stun(Bytes(resp).first(r.response_size), lite_addr, clock.now()));
    }
  }

  // Event-driven simulation until `until`.
  void run_for(Duration d) {
    Instant until = clock.now() + d;
    flush();
    while (true) {
      Instant next = std::min({ctl.next_deadline(), lite.next_deadline(), until});
      if (next > clock.now()) clock.set(next);
      record(ctl_events, ctl.handle_timeout(clock.now()));
      record(lite_events, lite.handle_timeout(clock.now()));
      flush();
      if (clock.now() >= until) break;
    }
  }
};

}  // namespace

TEST_CASE("controlling agent connects to a lite agent") {
  Net net;
  net.flush();
  CHECK(net.requests == 1);
  CHECK(net.ctl.state() == State::kConnected);
  CHECK(net.ctl.selected_address() == net.lite_addr);
  CHECK(net.ctl_events == std::vector<Event>{Event::kConnected});
  CHECK(net.lite.state() == State::kConnected);
  CHECK(net.lite.selected_address() == net.ctl_addr);
  CHECK(net.lite_events == std::vector<Event>{Event::kNominated});
}

TEST_CASE("controlling agent request carries the ICE attributes") {
  ManualTimeSource clock;
  auto dest = *SocketAddress::parse("203.0.113.1:3478");
  IceFullAgent ctl(kClient, kServer, {dest}, clock.now(), {.tie_breaker = 42, .software = "umbrella"});
  std::vector<uint8_t> out(256);
  auto t = ctl.poll_transmit(clock.now(), out);
  REQUIRE(t);
  CHECK(t->destination == dest);
  auto m = stun::parse(Bytes(out).first(t->size));
  REQUIRE(m.ok());
  CHECK(m->is_binding_request());
  CHECK(m->username == "srvU:cliU");
  CHECK(m->ice_controlling == 42u);
  CHECK(m->priority);
  CHECK(m->use_candidate);
  CHECK(m->software == "umbrella");
  CHECK(m->integrity_offset);
  CHECK(m->has_fingerprint);
  CHECK(!ctl.poll_transmit(clock.now(), out));  // next one only after the RTO
  CHECK(ctl.next_deadline() == clock.now() + milliseconds(250));
}

TEST_CASE("controlling agent retransmits through lost requests and responses") {
  Net net;
  // Datagrams in order: request 1 (t=0) lost; request 2 (t=0.25 s) arrives but its
  // response is lost; request 3 (t=0.75 s) and its response get through.
  int n = 0;
  net.drop = [&](bool, const SocketAddress&) { return ++n <= 3 && n != 2; };
  Instant t0 = net.clock.now();
  net.run_for(milliseconds(700));
  CHECK(net.ctl.state() == State::kNew);
  CHECK(net.lite.state() == State::kConnected);  // request 2 nominated already
  CHECK(net.requests == 2);
  net.run_for(milliseconds(100));
  CHECK(net.ctl.state() == State::kConnected);
  CHECK(net.requests == 3);
  CHECK(net.ctl_events == std::vector<Event>{Event::kConnected});
  CHECK(net.lite_events == std::vector<Event>{Event::kNominated});
  CHECK(net.clock.now() - t0 == milliseconds(800));
}

TEST_CASE("controlling agent: first candidate unreachable, second works") {
  auto dead = *SocketAddress::parse("10.255.0.1:9");
  Net net({dead, *SocketAddress::parse("203.0.113.1:3478")});
  net.run_for(seconds(2));
  CHECK(net.ctl.state() == State::kConnected);
  CHECK(net.ctl.selected_address() == net.lite_addr);
  // Once connected, no further checks go to the dead candidate.
  int before = net.requests;
  net.run_for(seconds(3));
  CHECK(net.requests - before <= 1);  // at most one consent check in 3 s
}

TEST_CASE("controlling agent fails when nothing answers") {
  Net net;
  net.drop = [](bool, const SocketAddress&) { return true; };
  net.run_for(seconds(60));
  CHECK(net.ctl.state() == State::kFailed);
  CHECK(net.ctl_events == std::vector<Event>{Event::kFailed});
  CHECK(net.requests == 7);  // Rc transmits
  CHECK(net.ctl.next_deadline() == kNever);
  CHECK(net.lite_events == std::vector<Event>{Event::kConsentExpired});  // never checked
}

TEST_CASE("controlling agent with a wrong password never connects and never nominates") {
  Net net({*SocketAddress::parse("203.0.113.1:3478")}, Credentials{"srvU", "not-the-server-password!!"});
  net.run_for(seconds(25));
  CHECK(net.ctl.state() == State::kFailed);
  CHECK(net.lite.state() != State::kConnected);
  CHECK(std::count(net.lite_events.begin(), net.lite_events.end(), Event::kNominated) == 0);
}

TEST_CASE("consent checks keep both sides alive for minutes") {
  Net net;
  net.run_for(seconds(300));
  CHECK(net.ctl.state() == State::kConnected);
  CHECK(net.lite.state() == State::kConnected);
  CHECK(net.ctl_events == std::vector<Event>{Event::kConnected});
  // ~every 4..6 s: between 50 and 75 consent checks plus the first check.
  CHECK(net.requests >= 50);
  CHECK(net.requests <= 77);
}

TEST_CASE("consent survives scattered loss") {
  Net net;
  net.run_for(seconds(1));
  REQUIRE(net.ctl.state() == State::kConnected);
  uint32_t lcg = 12345;
  net.drop = [&](bool, const SocketAddress&) {  // lose half of the datagrams, deterministically
    lcg = lcg * 1103515245u + 12345u;
    return (lcg >> 16) & 1;
  };
  net.run_for(seconds(120));
  CHECK(net.ctl.state() == State::kConnected);
  CHECK(net.lite.state() == State::kConnected);
}

TEST_CASE("consent expires on both sides when the path dies") {
  Net net;
  net.run_for(seconds(1));
  REQUIRE(net.ctl.state() == State::kConnected);
  // Connected at t0 = cut - 1 s; the first consent check would go out 4..6 s later.
  Instant cut = net.clock.now();
  net.drop = [](bool, const SocketAddress&) { return true; };
  net.run_for(seconds(28));
  CHECK(net.ctl.state() == State::kConnected);
  CHECK(net.lite.state() == State::kConnected);
  net.run_for(seconds(2));
  CHECK(net.ctl.state() == State::kFailed);
  CHECK(net.lite.state() == State::kFailed);
  CHECK(net.ctl_events.back() == Event::kConsentExpired);
  CHECK(net.lite_events.back() == Event::kConsentExpired);
  CHECK(net.clock.now() - cut >= seconds(29));
}

TEST_CASE("controlling agent ignores responses from the wrong address or with a bad signature") {
  ManualTimeSource clock;
  auto dest = *SocketAddress::parse("203.0.113.1:3478");
  auto other = *SocketAddress::parse("203.0.113.2:3478");
  auto me = *SocketAddress::parse("198.51.100.7:6000");
  IceFullAgent ctl(kClient, kServer, {dest}, clock.now());
  IceLiteAgent lite(kServer, kClient, clock.now());
  std::vector<uint8_t> out(256), resp(256);
  auto t = ctl.poll_transmit(clock.now(), out);
  REQUIRE(t);
  Bytes req = Bytes(out).first(t->size);

  // An impostor that saw the request can copy the transaction id but not sign with the
  // server's password.
  auto msg = stun::parse(req);
  REQUIRE(msg.ok());
  stun::MessageBuilder forged(resp, stun::method::kBinding, stun::MessageClass::kSuccessResponse,
                              msg->transaction_id);
  forged.add_xor_mapped_address(me);
  forged.add_message_integrity(as_bytes("impostor-password-0123456"));
  forged.add_fingerprint();
  size_t forged_size = forged.finish();
  REQUIRE(forged_size > 0);
  CHECK(ctl.handle_stun(Bytes(resp).first(forged_size), dest, clock.now()) == Event::kNone);

  auto r = lite.handle_stun(req, me, clock.now(), resp);
  REQUIRE(r.response_size > 0);
  CHECK(ctl.handle_stun(Bytes(resp).first(r.response_size), other, clock.now()) == Event::kNone);
  CHECK(ctl.state() == State::kNew);
  CHECK(ctl.handle_stun(Bytes(resp).first(r.response_size), dest, clock.now()) == Event::kConnected);
  // A duplicate response changes nothing.
  CHECK(ctl.handle_stun(Bytes(resp).first(r.response_size), dest, clock.now()) == Event::kNone);
}

TEST_CASE("controlling agent with no candidates fails at once") {
  ManualTimeSource clock;
  IceFullAgent ctl(kClient, kServer, {}, clock.now());
  CHECK(ctl.next_deadline() <= clock.now());
  CHECK(ctl.handle_timeout(clock.now()) == Event::kFailed);
}

TEST_CASE("controlling agent answers a full peer's checks and refuses forged or conflicting ones") {
  ManualTimeSource clock;
  IceFullAgent ctl(kClient, kServer, {*SocketAddress::parse("203.0.113.1:3478")}, clock.now());
  auto from = *SocketAddress::parse("203.0.113.1:3478");
  std::vector<uint8_t> resp(256);
  auto answer = [&](const std::vector<uint8_t>& check) {
    auto msg = stun::parse(check);
    REQUIRE(msg);
    return ctl.handle_stun(*msg, check, from, clock.now(), resp);
  };
  // The peer (controlled, answerer) checks us with "<our ufrag>:<its ufrag>" and our password.
  auto r = answer(test::make_check("cliU:srvU", kClient.pwd, {.controlled = true}));
  REQUIRE(r.response_size > 0);
  CHECK(r.event == Event::kNone);
  auto ok = stun::parse(Bytes(resp).first(r.response_size));
  REQUIRE(ok);
  CHECK(ok->cls == stun::MessageClass::kSuccessResponse);
  CHECK(ok->xor_mapped_address == from);
  CHECK(stun::verify_message_integrity(Bytes(resp).first(r.response_size), *ok, as_bytes(kClient.pwd)));
  CHECK(ctl.state() == State::kNew);  // its checks select nothing: we nominate

  r = answer(test::make_check("cliU:srvU", "not-the-password-0123", {.controlled = true}));
  CHECK(r.event == Event::kRefused);
  CHECK(r.error_code == stun::error::kUnauthorized);
  r = answer(test::make_check("cliU:other", kClient.pwd, {.controlled = true}));
  CHECK(r.error_code == stun::error::kUnauthorized);
  // A peer that also wants control is told to switch (we never give it up).
  r = answer(test::make_check("cliU:srvU", kClient.pwd, {.controlled = false}));
  CHECK(r.error_code == stun::error::kRoleConflict);
  auto conflict = stun::parse(Bytes(resp).first(r.response_size));
  REQUIRE(conflict);
  CHECK(conflict->cls == stun::MessageClass::kErrorResponse);
}
