// Rate bounds and admission: token buckets, the per-address table (bounded, forgets the
// stalest), and a conference refusing joins, WHIP/WHEP sessions and message floods with a
// reason and a counter while everyone else goes on.
#include "server/admission.hpp"
#include "server/site_harness.hpp"

namespace umbrella::server::test {

TEST_CASE("token bucket: a burst, then the rate") {
  Instant t0 = Instant{} + seconds(100);
  TokenBucket b(2, 4);
  for (int i = 0; i < 4; ++i) CHECK(b.take(t0));
  CHECK_FALSE(b.take(t0));
  CHECK(b.take(t0 + milliseconds(500)));  // one token back after half a second
  CHECK_FALSE(b.take(t0 + milliseconds(500)));
  CHECK(b.full(t0 + seconds(10)));
}

TEST_CASE("address rate: per host (IPv6 /64), a fixed table, the stalest address forgotten") {
  Instant t = Instant{} + seconds(100);
  AddressRate r(3, 4);
  auto a = *SocketAddress::parse("192.0.2.1:1000"), a2 = *SocketAddress::parse("192.0.2.1:2000");
  for (int i = 0; i < 3; ++i) CHECK(r.allow(i % 2 ? a : a2, t));
  CHECK_FALSE(r.allow(a, t));
  CHECK(r.exhausted(a2, t));
  auto v6a = *SocketAddress::parse("[2001:db8:1:2::1]:1"), v6b = *SocketAddress::parse("[2001:db8:1:2::ffff]:1");
  for (int i = 0; i < 3; ++i) CHECK(r.allow(v6a, t));
  CHECK_FALSE(r.allow(v6b, t));  // same /64
  CHECK(r.allow(*SocketAddress::parse("[2001:db8:1:3::1]:1"), t));
  CHECK(r.allow(*SocketAddress::parse("192.0.2.2:1"), t + seconds(1)));
  CHECK(r.tracked() == 4);
  // A fifth address: the table stays at four and forgets the stalest (192.0.2.1).
  CHECK(r.allow(*SocketAddress::parse("192.0.2.3:1"), t + seconds(2)));
  CHECK(r.tracked() == 4);
  CHECK_FALSE(r.exhausted(a, t + seconds(2)));
  // Twenty a minute later: refilled.
  CHECK(r.allow(v6b, t + seconds(20)));
  AddressRate off(0);
  for (int i = 0; i < 1000; ++i) CHECK(off.allow(a, t));
  CHECK(off.tracked() == 0);
}

TEST_CASE("admission: joins per address, rooms and the server full, each refused with a reason") {
  World w;
  AdmissionLimits limits;
  limits.joins_per_minute = 3;
  limits.max_room_participants = 2;
  limits.max_participants = 3;
  Site s(w.net, w.clock, "sfu-a", "198.51.100.1", "trunk-secret", limits);
  w.sites = {&s};
  auto error_of = [](Channel& c) {
    auto env = std::make_unique<umbrella_Envelope>();
    for (auto& f : c.frames)
      if (signal::decode(f, *env) && env->which_body == umbrella_Envelope_error_tag)
        return std::make_pair(env->body.error.code, std::string(env->body.error.message));
    return std::make_pair(umbrella_Error_Code_CODE_UNSPECIFIED, std::string());
  };
  auto join = [&](Channel& c, const char* from, const char* room) {
    uint64_t id = s.conference.open(&c, *SocketAddress::parse(from));
    auto env = std::make_unique<umbrella_Envelope>();
    signal::reset(*env, umbrella_Envelope_join_tag);
    signal::copy_string(env->body.join.room, room);
    s.conference.on_message(id, encode(*env), w.clock.now());
    return id;
  };
  Channel c1, c2, c3, c4, c5, c6;
  join(c1, "192.0.2.1:1", "r");
  join(c2, "192.0.2.1:2", "r");
  join(c3, "192.0.2.1:3", "r");  // room r holds two
  CHECK(error_of(c3).first == umbrella_Error_Code_CODE_ROOM_FULL);
  CHECK(error_of(c3).second == "room r is full (2 participants)");
  join(c4, "192.0.2.1:4", "q");  // the fourth join from this address in a minute
  CHECK(error_of(c4).first == umbrella_Error_Code_CODE_RATE_LIMITED);
  CHECK(error_of(c4).second.find("too many joins from this address") == 0);
  join(c5, "192.0.2.2:1", "q");  // another address still gets in
  CHECK(error_of(c5).first == umbrella_Error_Code_CODE_UNSPECIFIED);
  join(c6, "192.0.2.3:1", "z");
  CHECK(error_of(c6).second == "this server is full (3 participants)");
  auto whep = s.conference.admit_http(*SocketAddress::parse("192.0.2.9:1"), "z", w.clock.now());
  REQUIRE(whep);
  CHECK_FALSE(whep->over_rate);
  const auto& n = s.conference.admission_counters();
  CHECK(n.room_full == 1);
  CHECK(n.join_rate == 1);
  CHECK(n.server_full == 2);
  CHECK(s.conference.participants() == 6);  // refused connections stay open to retry
}

TEST_CASE("admission: a signalling flood is dropped with one Error; the connection and the room go on") {
  World w;
  AdmissionLimits limits;
  limits.messages_per_second = 5;
  Site s(w.net, w.clock, "sfu-a", "198.51.100.1", "trunk-secret", limits);
  Client alice(w.net, w.clock, "192.0.2.1", "alice"), bob(w.net, w.clock, "192.0.2.2", "bob");
  w.sites = {&s};
  w.clients = {&alice, &bob};
  alice.open(s);
  bob.open(s);
  alice.join("r");
  bob.join("r");
  w.settle();
  auto ping = std::make_unique<umbrella_Envelope>();
  signal::reset(*ping, umbrella_Envelope_ping_tag);
  for (int i = 0; i < 100; ++i) alice.send(*ping);
  w.settle();
  CHECK(alice.count(umbrella_Envelope_pong_tag) == 9);  // the burst (10) less the join
  CHECK(alice.count(umbrella_Envelope_error_tag) == 1);
  CHECK(s.conference.admission_counters().message_rate == 91);
  CHECK_FALSE(alice.channel.closed);
  // Bob is not affected, and Alice may go on once she slows down.
  bob.send(*ping);
  w.step(seconds(1));
  alice.send(*ping);
  w.settle();
  CHECK(bob.count(umbrella_Envelope_pong_tag) == 1);
  CHECK(alice.count(umbrella_Envelope_pong_tag) == 10);
  CHECK(bob.roster.size() == 1);
}

}  // namespace umbrella::server::test
