// The trunk handshake between two whole sites, without sockets: the right secret links, a
// wrong one is refused after the delay, a recorded handshake replayed is refused, neither the
// secret nor anything derived from it alone crosses the wire, failures are bounded per address.
#include <string_view>

#include "server/site_harness.hpp"

namespace umbrella::server::test {
namespace {

bool contains(const std::vector<std::vector<uint8_t>>& frames, std::string_view needle) {
  for (auto& f : frames)
    if (std::string_view(reinterpret_cast<const char*>(f.data()), f.size()).find(needle) != std::string_view::npos)
      return true;
  return false;
}

std::vector<pb_size_t> bodies(const std::vector<std::vector<uint8_t>>& frames) {
  std::vector<pb_size_t> out;
  auto env = std::make_unique<umbrella_Envelope>();
  for (auto& f : frames) out.push_back(signal::decode(f, *env) ? env->which_body : 0);
  return out;
}

}  // namespace

TEST_CASE("trunk handshake: the MACs bind the secret, both nonces, both sites and the direction") {
  TrunkNonce c = trunk_nonce(), r = trunk_nonce();
  CHECK(c != r);  // fresh each time
  TrunkHandshake h{Bytes(c.data(), c.size()), Bytes(r.data(), r.size()), "sfu-a", "sfu-b"};
  TrunkMac d = trunk_mac("s3cret", TrunkSide::kDialler, h);
  CHECK(trunk_mac_ok("s3cret", TrunkSide::kDialler, h, Bytes(d.data(), d.size())));
  CHECK_FALSE(trunk_mac_ok("s3cret", TrunkSide::kAcceptor, h, Bytes(d.data(), d.size())));  // no reflection
  CHECK_FALSE(trunk_mac_ok("other", TrunkSide::kDialler, h, Bytes(d.data(), d.size())));
  CHECK_FALSE(trunk_mac_ok("s3cret", TrunkSide::kDialler, h, Bytes(d.data(), d.size() - 1)));
  TrunkHandshake swapped{h.challenge, h.response, "sfu-b", "sfu-a"};
  CHECK_FALSE(trunk_mac_ok("s3cret", TrunkSide::kDialler, swapped, Bytes(d.data(), d.size())));
  TrunkNonce c2 = trunk_nonce();
  TrunkHandshake later{Bytes(c2.data(), c2.size()), h.response, "sfu-a", "sfu-b"};
  CHECK_FALSE(trunk_mac_ok("s3cret", TrunkSide::kDialler, later, Bytes(d.data(), d.size())));
}

TEST_CASE("trunk handshake: the right secret links, and the secret never crosses the wire") {
  World w;
  Site a(w.net, w.clock, "sfu-a", "198.51.100.1"), b(w.net, w.clock, "sfu-b", "198.51.100.2");
  w.sites = {&a, &b};
  TrunkWire wire(a, b);
  w.wires = {&wire};
  REQUIRE(w.run_until([&] { return a.hub.linked_to("sfu-b", nullptr) && b.hub.linked_to("sfu-a", nullptr); }));
  CHECK(bodies(wire.dialled).at(0) == umbrella_Envelope_join_tag);
  CHECK(bodies(wire.answered).at(0) == umbrella_Envelope_trunk_challenge_tag);
  CHECK(bodies(wire.dialled).at(1) == umbrella_Envelope_trunk_response_tag);
  CHECK(bodies(wire.answered).at(1) == umbrella_Envelope_joined_tag);
  CHECK_FALSE(contains(wire.dialled, "trunk-secret"));
  CHECK_FALSE(contains(wire.answered, "trunk-secret"));
  CHECK(a.conference.counters().trunk_auth_failed + b.conference.counters().trunk_auth_failed == 0);
}

TEST_CASE("trunk handshake: a wrong secret is refused after the delay, then the address is throttled") {
  World w;
  Site a(w.net, w.clock, "sfu-a", "198.51.100.1", "one secret"), b(w.net, w.clock, "sfu-b", "198.51.100.2");
  w.sites = {&a, &b};
  TrunkWire wire(a, b);
  w.wires = {&wire};
  w.settle();
  // The response was wrong: nothing yet, the refusal waits.
  REQUIRE(bodies(wire.dialled).size() == 2);
  CHECK(b.conference.counters().trunk_auth_failed == 1);
  CHECK_FALSE(wire.accept_side.closed);
  w.step(TrunkHub::kRefusalDelay - milliseconds(50));
  CHECK_FALSE(wire.accept_side.closed);
  REQUIRE(w.run_until([&] { return wire.accept_side.closed.has_value(); }, seconds(1)));
  CHECK(*wire.accept_side.closed == "wrong trunk secret");
  CHECK(bodies(wire.answered).back() == umbrella_Envelope_error_tag);
  w.settle();
  CHECK(wire.dial_side.closed == std::optional<std::string>("wrong trunk secret"));  // the dialler gives up too
  CHECK_FALSE(a.hub.linked_to("sfu-b", nullptr));
  CHECK_FALSE(b.hub.linked_to("sfu-a", nullptr));
  b.conference.on_closed(wire.accept_key);
  a.hub.on_closed(wire.dial_key);

  // Five more failures from the same address spend its budget (6 a minute); the next Join gets
  // no challenge at all.
  for (int i = 0; i < 6; ++i) {
    TrunkWire again(a, b);
    w.wires = {&again};
    w.run_until([&] { return again.accept_side.closed.has_value(); }, seconds(2));
    CHECK(again.accept_side.closed.has_value());
    bool challenged = bodies(again.answered).at(0) == umbrella_Envelope_trunk_challenge_tag;
    CHECK(challenged == (i < 5));
    b.conference.on_closed(again.accept_key);
    a.hub.on_closed(again.dial_key);
  }
  CHECK(b.conference.counters().trunk_auth_failed == 6);
  CHECK(b.conference.counters().trunk_auth_throttled == 1);
  // Another address is not affected.
  Site c(w.net, w.clock, "sfu-c", "198.51.100.3");
  w.sites.push_back(&c);
  TrunkWire other(c, b, *SocketAddress::parse("203.0.113.77:4000"));
  w.wires = {&other};
  REQUIRE(w.run_until([&] { return b.hub.linked_to("sfu-c", nullptr) != nullptr; }));
  w.wires.clear();
}

TEST_CASE("trunk handshake: a dialler that never answers the challenge is refused after the timeout") {
  World w;
  Site b(w.net, w.clock, "sfu-b", "198.51.100.2");
  w.sites = {&b};
  Channel silent;
  uint64_t c = b.conference.open(&silent, *SocketAddress::parse("192.0.2.8:5000"));
  auto env = std::make_unique<umbrella_Envelope>();
  signal::reset(*env, umbrella_Envelope_join_tag);
  env->body.join.role = umbrella_Role_ROLE_TRUNK;
  signal::copy_string(env->body.join.site_id, "sfu-q");
  b.conference.on_message(c, encode(*env), w.clock.now());
  REQUIRE(bodies({silent.frames.begin(), silent.frames.end()}).at(0) == umbrella_Envelope_trunk_challenge_tag);
  w.step(TrunkHub::kHandshakeTimeout - seconds(1));
  CHECK_FALSE(silent.closed);
  REQUIRE(w.run_until([&] { return silent.closed.has_value(); }, seconds(2)));
  CHECK(*silent.closed == "no answer to the trunk challenge");
  b.conference.on_closed(c);
  CHECK(b.hub.size() == 0);
}

TEST_CASE("trunk handshake: a recorded handshake replayed later is refused") {
  World w;
  Site a(w.net, w.clock, "sfu-a", "198.51.100.1"), b(w.net, w.clock, "sfu-b", "198.51.100.2");
  w.sites = {&a, &b};
  std::vector<std::vector<uint8_t>> recorded;
  {
    TrunkWire wire(a, b);
    w.wires = {&wire};
    REQUIRE(w.run_until([&] { return b.hub.linked_to("sfu-a", nullptr) != nullptr; }));
    recorded = wire.dialled;
    b.conference.on_closed(wire.accept_key);
    a.hub.on_closed(wire.dial_key);
    w.wires.clear();
  }
  // Someone who recorded sfu-a's Join and response plays them to sfu-b on a new connection.
  Channel attacker;
  uint64_t c = b.conference.open(&attacker, *SocketAddress::parse("192.0.2.66:5000"));
  b.conference.on_message(c, recorded.at(0), w.clock.now());
  REQUIRE(bodies({attacker.frames.begin(), attacker.frames.end()}).at(0) == umbrella_Envelope_trunk_challenge_tag);
  b.conference.on_message(c, recorded.at(1), w.clock.now());
  CHECK(b.conference.counters().trunk_auth_failed == 1);
  REQUIRE(w.run_until([&] { return attacker.closed.has_value(); }, seconds(2)));
  CHECK(*attacker.closed == "wrong trunk secret");
  CHECK_FALSE(b.hub.linked_to("sfu-a", nullptr));
  for (auto& f : attacker.frames) {  // nothing of sfu-b's rooms was given away
    auto env = std::make_unique<umbrella_Envelope>();
    REQUIRE(signal::decode(f, *env));
    CHECK(env->which_body != umbrella_Envelope_joined_tag);
  }
  b.conference.on_closed(c);
}

TEST_CASE("trunk handshake: a far side that cannot prove the secret is not trusted") {
  World w;
  Site a(w.net, w.clock, "sfu-a", "198.51.100.1");
  Channel far;
  uint64_t key = a.hub.open_dialled(&far);
  auto joined = std::make_unique<umbrella_Envelope>();
  signal::make_joined(*joined, "trunk-sfu-a", "", "sfu-x");
  signal::add_participant(joined->body.joined, {"p1.sfu-x", "mallory", false, false, "sfu-x", "r"});
  SUBCASE("Joined without a challenge is ignored") {
    a.hub.on_frame(key, encode(*joined), w.clock.now());
    CHECK_FALSE(a.hub.linked_to("sfu-x", nullptr));
  }
  SUBCASE("Joined with a proof made with another secret closes the link") {
    accept_as_far_site(a, key, far, "sfu-x", *joined, w.clock.now(), "guessed");
    CHECK(far.closed == std::optional<std::string>("the far SFU did not prove it knows the trunk secret"));
    CHECK(a.conference.counters().trunk_auth_failed == 1);
  }
  size_t people = 0;
  a.conference.for_each_person(nullptr, [&](const signal::ParticipantFields&) { ++people; });
  CHECK(people == 0);
  a.hub.on_closed(key);
}

}  // namespace umbrella::server::test
