// Rooms end to end without sockets: join, publish, a second participant receives the first's
// media, renegotiation both ways, leave.
#include "server/site_harness.hpp"

namespace umbrella::server::test {

TEST_CASE("rooms: a participant joins, publishes, and a second one receives its media") {
  World w;
  Net& net = w.net;
  Site site(net, w.clock, "sfu-a", "198.51.100.1");
  Client alice(net, w.clock, "192.0.2.1", "alice"), bob(net, w.clock, "192.0.2.2", "bob");
  w.sites = {&site};
  w.clients = {&alice, &bob};

  alice.open(site);
  alice.join("r");
  w.settle();
  REQUIRE_FALSE(alice.id.empty());
  CHECK(alice.roster.empty());
  alice.publish();
  REQUIRE(w.run_until([&] { return alice.connected(); }));

  bob.open(site);
  bob.join("r");
  w.settle();
  CHECK(bob.roster == std::vector<std::string>{alice.id});  // Joined lists who is there
  CHECK(alice.roster == std::vector<std::string>{bob.id});  // and they hear of the newcomer
  bob.publish();
  // Bob gets an offer with Alice's two tracks, Alice one with Bob's.
  REQUIRE(w.run_until([&] { return bob.connected() && bob.offers_received >= 1 && alice.offers_received >= 1; }));
  CHECK(bob.count(umbrella_Envelope_track_added_tag) >= 2);

  // Media: once the subscriptions are in place every packet of Alice's reaches Bob.
  for (int i = 0; i < 3; ++i) w.step(milliseconds(20));
  size_t before = bob.received_media(0xA1);
  for (int i = 0; i < 20; ++i) {
    REQUIRE(alice.send_media("a0", 0xA1));
    w.step(milliseconds(20));
  }
  CHECK(bob.received_media(0xA1) - before == 20);
  CHECK(alice.received_media(0xA1) == 0);  // nothing comes back to its publisher
  CHECK(site.plane.counters().forwarded >= 20);
  CHECK(site.conference.counters().description_failed == 0);

  // A receive batch of 20 datagrams re-arms the publisher's transport timer once, not 20 times.
  before = bob.received_media(0xA1);
  for (int i = 0; i < 20; ++i) REQUIRE(alice.send_media("a0", 0xA1));
  uint64_t arms = site.plane.counters().transport_timer_arms;
  net.deliver();
  CHECK(site.plane.counters().transport_timer_arms == arms);
  site.loop.run_once(Duration::zero());
  CHECK(site.plane.counters().transport_timer_arms == arms + 1);
  w.settle();
  CHECK(bob.received_media(0xA1) - before == 20);

  // Leave: Bob hears it, loses the tracks in a new offer, and media stops.
  size_t offers = bob.offers_received;
  alice.leave();
  w.settle();
  CHECK(bob.roster.empty());
  CHECK(bob.count(umbrella_Envelope_track_removed_tag) >= 2);
  CHECK(bob.offers_received == offers + 1);
  CHECK(site.plane.router().stream_count() == 2);  // Bob's own audio and video only
}

TEST_CASE("rooms: a client offer crossing the server's is ignored, and negotiation goes on") {
  World w;
  Net& net = w.net;
  Site site(net, w.clock, "sfu-a", "198.51.100.1");
  Client alice(net, w.clock, "192.0.2.1", "alice"), bob(net, w.clock, "192.0.2.2", "bob");
  w.sites = {&site};
  w.clients = {&alice, &bob};
  alice.open(site);
  alice.join("r");
  w.settle();
  alice.publish();
  REQUIRE(w.run_until([&] { return alice.connected(); }));
  bob.open(site);
  bob.join("r");
  w.settle();

  // Bob publishes: the server offers his tracks to Alice, and before she has read that offer
  // she offers too (say, a screen share). Hers is ignored; she answers the server's.
  bob.publish();
  REQUIRE(alice.channel.frames.size() > 0);  // the server's offer, unread
  auto crossing = std::make_unique<umbrella_Envelope>();
  std::string sdp = alice.offer();
  REQUIRE(signal::make_description(*crossing, umbrella_SessionDescription_Type_TYPE_OFFER, sdp, 7));
  alice.send(*crossing);
  CHECK(site.conference.counters().glare == 1);
  CHECK(site.conference.counters().bad_sdp == 0);
  REQUIRE(w.run_until([&] { return bob.connected() && alice.offers_received >= 1; }));
  w.settle();
  // The answer was taken: Bob's media reaches her.
  for (int i = 0; i < 3; ++i) w.step(milliseconds(20));
  size_t before = alice.received_media(0xB1);
  for (int i = 0; i < 10; ++i) {
    REQUIRE(bob.send_media("a0", 0xB1));
    w.step(milliseconds(20));
  }
  CHECK(alice.received_media(0xB1) - before == 10);
  // Her offer again, now that nothing crosses it, is answered.
  size_t answers = alice.count(umbrella_Envelope_description_tag) - alice.offers_received;
  alice.send(*crossing);
  w.settle();
  CHECK(alice.count(umbrella_Envelope_description_tag) - alice.offers_received == answers + 1);
  CHECK(site.conference.counters().glare == 1);
  CHECK(site.conference.counters().unexpected == 0);
}

TEST_CASE("rooms: people in another room are neither listed nor forwarded") {
  World w;
  Site site(w.net, w.clock, "sfu-a", "198.51.100.1");
  Client alice(w.net, w.clock, "192.0.2.1", "alice"), carol(w.net, w.clock, "192.0.2.3", "carol");
  w.sites = {&site};
  w.clients = {&alice, &carol};
  alice.open(site);
  alice.join("r1");
  alice.publish();
  carol.open(site);
  carol.join("r2");
  carol.publish();
  REQUIRE(w.run_until([&] { return alice.connected() && carol.connected(); }));
  for (int i = 0; i < 5; ++i) {
    alice.send_media("a0", 0xA1);
    w.step(milliseconds(20));
  }
  CHECK(carol.roster.empty());
  CHECK(carol.offers_received == 0);
  CHECK(carol.received_media(0xA1) == 0);
}

TEST_CASE("rooms: an undecodable frame is answered with an error and the connection stays") {
  World w;
  Site site(w.net, w.clock, "sfu-a", "198.51.100.1");
  Client alice(w.net, w.clock, "192.0.2.1", "alice");
  w.sites = {&site};
  w.clients = {&alice};
  alice.open(site);
  std::vector<uint8_t> junk{0xff, 0xff, 0xff};
  site.conference.on_message(alice.connection(), junk, w.clock.now());
  w.settle();
  CHECK(site.conference.counters().malformed == 1);
  CHECK(alice.count(umbrella_Envelope_error_tag) == 1);
  CHECK_FALSE(alice.channel.closed);
  alice.join("r");
  w.settle();
  CHECK_FALSE(alice.id.empty());
}

TEST_CASE("rooms: a publisher over the room's track bound is refused and the room goes on") {
  // 24 people with camera and microphone fill a room (sdp::kMaxTracksPerRoom = 48); the 25th
  // is refused at publish time. It must not break anyone's signalling: no offer is ever built
  // for a participant whose own offer was refused (issue 12's soak found that).
  World w;
  Site site(w.net, w.clock, "sfu-a", "198.51.100.1");
  w.sites = {&site};
  std::vector<std::unique_ptr<Client>> people;
  for (int i = 0; i < 25; ++i) {
    people.push_back(std::make_unique<Client>(w.net, w.clock, "192.0.2." + std::to_string(i + 1), "peer" + std::to_string(i)));
    w.clients.push_back(people.back().get());
  }
  for (int i = 0; i < 24; ++i) {
    people[i]->open(site);
    people[i]->join("r");
    w.settle();
    people[i]->publish();
    w.settle();
  }
  REQUIRE(w.run_until([&] { return people[23]->connected(); }));
  Client& late = *people[24];
  late.open(site);
  late.join("r");
  w.settle();
  late.publish();
  w.settle();
  CHECK(site.conference.counters().tracks_refused == 1);
  CHECK(late.count(umbrella_Envelope_error_tag) == 1);
  CHECK_FALSE(late.channel.closed);  // refused, not thrown out: it may retry when there is room
  // Someone leaves and the rest renegotiate; the refused participant gets no broken offer.
  people[0]->leave();
  w.settle();
  CHECK(site.conference.counters().description_failed == 0);
  CHECK(late.offers_received == 0);
  // Now there is room: the same participant publishes.
  late.publish();
  REQUIRE(w.run_until([&] { return late.connected(); }));
  CHECK(site.conference.counters().tracks_refused == 1);
  CHECK(site.conference.counters().description_failed == 0);
}


TEST_CASE("rooms: a video the subscriber does not show (TileViews) is not sent until shown again") {
  World w;
  Site site(w.net, w.clock, "sfu-a", "198.51.100.1");
  Client alice(w.net, w.clock, "192.0.2.1", "alice"), bob(w.net, w.clock, "192.0.2.2", "bob");
  w.sites = {&site};
  w.clients = {&alice, &bob};
  alice.open(site);
  alice.join("r");
  w.settle();
  alice.publish();
  REQUIRE(w.run_until([&] { return alice.connected(); }));
  bob.open(site);
  bob.join("r");
  w.settle();
  bob.publish();
  REQUIRE(w.run_until([&] { return bob.connected() && bob.offers_received >= 1; }));
  REQUIRE(bob.video_tracks.size() == 1);
  for (int i = 0; i < 3; ++i) w.step(milliseconds(20));
  auto reaching_bob = [&](const char* mid, uint8_t marker) {
    size_t before = bob.received_media(marker);
    for (int i = 0; i < 10; ++i) {
      REQUIRE(alice.send_media(mid, marker));
      w.step(milliseconds(20));
    }
    return bob.received_media(marker) - before;
  };
  CHECK(reaching_bob("v0", 0xB1) == 10);  // before any TileViews: everything is shown

  bob.show({});  // a page that lists nothing hides nothing
  w.settle();
  CHECK(reaching_bob("v0", 0xB5) == 10);
  bob.show({{bob.video_tracks[0], 0}});  // Alice's tile is on another page of Bob's grid
  w.settle();
  CHECK(reaching_bob("v0", 0xB2) == 0);
  CHECK(reaching_bob("a0", 0xB3) == 10);  // audio is not a tile: it goes on

  bob.show({{bob.video_tracks[0], 360}});
  w.settle();
  CHECK(reaching_bob("v0", 0xB4) == 10);
  CHECK(site.conference.counters().unexpected == 0);
}

}  // namespace umbrella::server::test
