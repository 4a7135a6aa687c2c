// Two full agents, each behind its own NAT, on virtual time: the controlled agent's own checks
// open its NAT toward the controlling peer's public address, so the peer's checks get through
// and both select the pair between the two public addresses (UDP hole punching, RFC 8445 with
// server-reflexive candidates). With a lite agent there instead, nothing gets in.
#include <doctest/doctest.h>

#include <deque>
#include <functional>
#include <memory>
#include <algorithm>
#include <vector>

#include "ice/full_agent.hpp"
#include "ice/lite_agent.hpp"
#include "stun/message.hpp"

using namespace umbrella;
using namespace umbrella::ice;

namespace {

const Credentials kA{"siteA", "site-a-password-0123456789"};
const Credentials kB{"siteB", "site-b-password-0123456789"};
SocketAddress addr(const char* s) { return *SocketAddress::parse(s); }
FullAgentConfig role(bool controlling) {
  FullAgentConfig c;
  c.controlling = controlling;
  return c;
}

// A NAT with one public address per inside host (endpoint-independent mapping) that lets a
// datagram in only from an address the inside host has sent to (address and port dependent
// filtering, the strictest kind that still allows hole punching).
struct Nat {
  SocketAddress inside, outside;
  std::vector<SocketAddress> sent_to;
  bool lets_in(const SocketAddress& from) const {
    return !blocked && std::find(sent_to.begin(), sent_to.end(), from) != sent_to.end();
  }
  bool blocked = false;  // drops everything, both ways (the path broke)
};

struct Packet {
  SocketAddress from, to;
  std::vector<uint8_t> bytes;
  Instant at;
};

struct TwoSites {
  ManualTimeSource clock;
  Nat nat_a{addr("10.0.0.2:5000"), addr("198.51.100.1:40000"), {}, false};
  Nat nat_b{addr("10.1.0.2:6000"), addr("203.0.113.1:50000"), {}, false};
  // Each site learned its public address from a rendezvous and sent both to the other.
  std::vector<SocketAddress> a_candidates{nat_a.inside, nat_a.outside};
  std::vector<SocketAddress> b_candidates{nat_b.inside, nat_b.outside};
  IceFullAgent a;
  std::unique_ptr<Agent> b;
  std::deque<Packet> wire;
  std::vector<Event> a_events, b_events;
  int dropped_by_nat = 0;
  static constexpr Duration kOneWay = milliseconds(20);

  explicit TwoSites(bool b_full)
      : a(kA, kB, b_candidates, clock.now(), role(true)) {
    if (b_full)
      b = std::make_unique<IceFullAgent>(kB, kA, a_candidates, clock.now(), role(false));
    else
      b = std::make_unique<IceLiteAgent>(kB, kA, clock.now());
  }

  // Outbound through the sender's NAT: the source becomes its public address.
  void send(Nat& nat, const SocketAddress& to, Bytes bytes) {
    if (nat.blocked) return;
    if (std::find(nat.sent_to.begin(), nat.sent_to.end(), to) == nat.sent_to.end()) nat.sent_to.push_back(to);
    wire.push_back({nat.outside, to, {bytes.begin(), bytes.end()}, clock.now() + kOneWay});
  }

  void deliver(const Packet& p) {
    Nat* nat = p.to == nat_a.outside ? &nat_a : p.to == nat_b.outside ? &nat_b : nullptr;
    if (!nat || !nat->lets_in(p.from)) {  // private addresses do not route
      ++dropped_by_nat;
      return;
    }
    Agent& agent = nat == &nat_a ? static_cast<Agent&>(a) : *b;
    auto msg = stun::parse(p.bytes);
    REQUIRE(msg);
    std::vector<uint8_t> resp(256);
    auto r = agent.handle_stun(*msg, p.bytes, p.from, clock.now(), resp);
    if (r.event != Event::kNone) (nat == &nat_a ? a_events : b_events).push_back(r.event);
    if (r.response_size) send(*nat, p.from, Bytes(resp).first(r.response_size));
  }

  void transmit(Agent& agent, Nat& nat) {
    std::vector<uint8_t> out(256);
    while (auto t = agent.poll_transmit(clock.now(), out)) send(nat, t->destination, Bytes(out).first(t->size));
  }

  void run_for(Duration d) {
    Instant until = clock.now() + d;
    while (true) {
      transmit(a, nat_a);
      transmit(*b, nat_b);
      Instant next = std::min({a.next_deadline(), b->next_deadline(), until});
      if (!wire.empty()) next = std::min(next, wire.front().at);
      if (next > clock.now()) clock.set(next);
      if (clock.now() >= until) break;
      while (!wire.empty() && wire.front().at <= clock.now()) {
        Packet p = std::move(wire.front());
        wire.pop_front();
        deliver(p);
      }
      for (auto [agent, events] : {std::pair<Agent*, std::vector<Event>*>{&a, &a_events}, {b.get(), &b_events}})
        if (agent->next_deadline() <= clock.now())
          if (Event e = agent->handle_timeout(clock.now()); e != Event::kNone) events->push_back(e);
    }
  }
};

}  // namespace

TEST_CASE("hole punching: two full agents behind NATs select the pair between their public addresses") {
  TwoSites net(/*b_full=*/true);
  net.run_for(seconds(3));
  REQUIRE(net.a.state() == State::kConnected);
  REQUIRE(net.b->state() == State::kConnected);
  CHECK(*net.a.selected_address() == net.nat_b.outside);
  CHECK(*net.b->selected_address() == net.nat_a.outside);
  CHECK(net.a_events == std::vector<Event>{Event::kConnected});
  CHECK(net.b_events == std::vector<Event>{Event::kNominated});
  CHECK(net.dropped_by_nat > 0);  // the first checks hit a closed NAT or a private address

  // Consent both ways keeps the pair for minutes, with nothing else on it.
  net.run_for(seconds(120));
  CHECK(net.a.state() == State::kConnected);
  CHECK(net.b->state() == State::kConnected);
  CHECK(net.a_events.size() == 1);
  CHECK(net.b_events.size() == 1);

  // The path breaks: both give up once consent lapses (a rendezvous then relays the media).
  net.nat_a.blocked = true;
  net.run_for(seconds(40));
  CHECK(net.a.state() == State::kFailed);
  CHECK(net.b->state() == State::kFailed);
  CHECK(net.a_events.back() == Event::kConsentExpired);
  CHECK(net.b_events.back() == Event::kConsentExpired);
}

TEST_CASE("hole punching: a lite agent behind a NAT lets no check in, so the controlling side fails") {
  TwoSites net(/*b_full=*/false);
  net.run_for(seconds(60));
  CHECK(net.a.state() == State::kFailed);
  CHECK(net.a_events == std::vector<Event>{Event::kFailed});
  // The lite side heard nothing either, and gave up after its 30 s.
  CHECK_FALSE(net.b->selected_address());
  CHECK(net.b_events == std::vector<Event>{Event::kConsentExpired});
}

TEST_CASE("hole punching: a controlled agent whose checks were answered waits for the nomination, then gives up") {
  ManualTimeSource clock;
  SocketAddress peer = addr("198.51.100.1:40000");
  IceFullAgent b(kB, kA, {peer}, clock.now(), role(false));
  std::vector<uint8_t> out(256), resp(256);
  auto t = b.poll_transmit(clock.now(), out);
  REQUIRE(t);
  auto req = stun::parse(Bytes(out).first(t->size));
  REQUIRE(req);
  CHECK(req->ice_controlled.has_value());
  CHECK_FALSE(req->use_candidate);
  // The peer (a full controlling agent) answers it: B's NAT is open, nothing selected yet.
  IceFullAgent a(kA, kB, {addr("203.0.113.1:50000")}, clock.now());
  auto r = a.handle_stun(*req, Bytes(out).first(t->size), addr("203.0.113.1:50000"), clock.now(), resp);
  REQUIRE(r.response_size > 0);
  CHECK(b.handle_stun(Bytes(resp).first(r.response_size), peer, clock.now()) == Event::kNone);
  CHECK(b.state() == State::kNew);
  // Its checks are over; the nomination is still awaited, up to the consent timeout.
  clock.advance(seconds(25));
  CHECK(b.handle_timeout(clock.now()) == Event::kNone);
  CHECK(b.state() == State::kNew);
  clock.set(b.next_deadline());
  CHECK(b.handle_timeout(clock.now()) == Event::kFailed);
}
