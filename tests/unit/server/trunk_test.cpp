// Two SFUs joined by a trunk, without sockets: people and media cross both ways, and the
// trunk is a participant of every room.
#include "server/site_harness.hpp"

namespace umbrella::server::test {

TEST_CASE("trunk: a participant on one SFU receives a participant on the other, and hears it leave") {
  World w;
  Site a(w.net, w.clock, "sfu-a", "198.51.100.1"), b(w.net, w.clock, "sfu-b", "198.51.100.2");
  Client alice(w.net, w.clock, "192.0.2.1", "alice"), bob(w.net, w.clock, "192.0.2.2", "bob");
  w.sites = {&a, &b};
  w.clients = {&alice, &bob};

  alice.open(a);
  alice.join("r");
  alice.publish();
  bob.open(b);
  bob.join("r");
  bob.publish();
  REQUIRE(w.run_until([&] { return alice.connected() && bob.connected(); }));

  TrunkWire wire(a, b);  // a dials b
  w.wires = {&wire};
  // People cross in both directions; each side's tracks reach the other side's room.
  REQUIRE(w.run_until([&] {
    return alice.roster.size() == 1 && bob.roster.size() == 1 && alice.offers_received >= 1 &&
           bob.offers_received >= 1;
  }));
  CHECK(alice.roster.front() == bob.id);
  CHECK(bob.roster.front() == alice.id);
  CHECK(a.hub.size() == 1);
  for (int i = 0; i < 10; ++i) w.step(milliseconds(20));

  for (int i = 0; i < 10; ++i) {
    REQUIRE(alice.send_media("a0", 0xC3));
    REQUIRE(bob.send_media("a0", 0xD4));
    w.step(milliseconds(20));
  }
  CHECK(bob.received_media(0xC3) == 10);
  CHECK(alice.received_media(0xD4) == 10);

  // Alice leaves A: B's room hears it through the trunk and Bob loses her tracks.
  size_t offers = bob.offers_received;
  alice.close();
  REQUIRE(w.run_until([&] { return bob.roster.empty() && bob.offers_received > offers; }));
  CHECK(a.conference.counters().description_failed == 0);
  CHECK(b.conference.counters().description_failed == 0);
}

TEST_CASE("trunk: a far side announcing more tracks or people than a trunk holds is bounded") {
  World w;
  Site a(w.net, w.clock, "sfu-a", "198.51.100.1");
  Channel far;  // the SFU A dialled, played by the test
  uint64_t key = a.hub.open_dialled(&far);
  auto deliver = [&](const umbrella_Envelope& env) { a.hub.on_frame(key, encode(env), w.clock.now()); };
  auto env = std::make_unique<umbrella_Envelope>();
  signal::reset(*env, umbrella_Envelope_joined_tag);
  signal::copy_string(env->body.joined.site_id, "sfu-x");
  signal::copy_string(env->body.joined.participant_id, "trunk.sfu-x");
  accept_as_far_site(a, key, far, "sfu-x", *env, w.clock.now());
  REQUIRE(a.hub.linked_to("sfu-x", nullptr));
  for (int i = 0; i < 300; ++i) {
    std::string id = "p" + std::to_string(i) + ".sfu-x";
    REQUIRE(signal::make_participant_event(*env, umbrella_Envelope_participant_joined_tag,
                                           {id, "someone", false, false, "sfu-x", "r"}));
    deliver(*env);
  }
  for (int i = 0; i < 70; ++i) {
    std::string id = "sfu-x/p" + std::to_string(i) + ".sfu-x/0", owner = "p" + std::to_string(i) + ".sfu-x";
    REQUIRE(signal::make_track_added(*env, {id, umbrella_MediaKind_MEDIA_KIND_AUDIO, owner, "m", owner, "sfu-x", "r"}));
    deliver(*env);
  }
  w.settle();
  CHECK_FALSE(far.closed);  // the excess is ignored, the trunk stays
  CHECK(a.conference.counters().trunk_refused == (300 - 256) + (70 - 64));
  size_t people = 0;
  a.conference.for_each_person(nullptr, [&](const signal::ParticipantFields&) { ++people; });
  CHECK(people == 256);
}

}  // namespace umbrella::server::test
