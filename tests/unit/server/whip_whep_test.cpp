// WHIP publish and WHEP watch without sockets, and a browser in the same room.
#include "server/site_harness.hpp"

namespace umbrella::server::test {
namespace {

// Room "live" on one SFU with Bob (a browser) publishing audio and video, and a WHIP
// publisher and a WHEP viewer not yet in it.
struct LiveRoom {
  World w;
  Site site{w.net, w.clock, "sfu-a", "198.51.100.1"};
  Client publisher{w.net, w.clock, "192.0.2.1", "whip"}, viewer{w.net, w.clock, "192.0.2.2", "whep"},
      bob{w.net, w.clock, "192.0.2.3", "bob"};
  LiveRoom() {
    w.sites = {&site};
    w.clients = {&publisher, &viewer, &bob};
    bob.open(site);
    bob.join("live");
    bob.publish();
    REQUIRE(w.run_until([&] { return bob.connected(); }));
  }
  // The viewer offers receive-only m-lines (its add_tracks() is only the offer's shape), takes
  // the answer and connects.
  void watch() {
    auto watched = site.conference.whep("live", viewer.offer(true), w.clock.now());
    REQUIRE(watched.ok());
    viewer.take_answer(watched->answer);
    REQUIRE(w.run_until([&] { return viewer.connected(); }));
    for (int i = 0; i < 3; ++i) w.step(milliseconds(20));
  }
  // Ten packets from each sender's track `mid`, payload its marker byte.
  void send(const std::string& mid, std::initializer_list<std::pair<Client*, uint8_t>> senders) {
    for (int i = 0; i < 10; ++i) {
      for (auto [c, marker] : senders) REQUIRE(c->send_media(mid, marker));
      w.step(milliseconds(20));
    }
  }
};

}  // namespace

TEST_CASE("WHIP publisher reaches a WHEP viewer and a browser in the room; DELETE ends it") {
  LiveRoom room;
  auto& [w, site, publisher, viewer, bob] = room;
  publisher.add_tracks();
  auto published = site.conference.whip("live", publisher.offer(), w.clock.now(), {}, "Bearer publisher-credential");
  REQUIRE(published.ok());
  // 128 random bits in hex: nothing status or signalling shows leads to it.
  CHECK(published->resource.size() == 32);
  CHECK(published->resource.find_first_not_of("0123456789abcdef") == std::string::npos);
  publisher.take_answer(published->answer);
  REQUIRE(w.run_until([&] { return publisher.connected() && bob.offers_received >= 1; }));
  CHECK(bob.roster.size() == 1);  // the WHIP publisher is announced to the room

  // A WHEP viewer offers receive-only m-lines and gets the room's tracks on them.
  viewer.add_tracks();
  room.watch();

  // The viewer got the room's first tracks of each kind (Bob's, who came first).
  room.send("a0", {{&publisher, 0xB7}, {&bob, 0xB8}});
  CHECK(viewer.received_media(0xB8) == 10);
  CHECK(viewer.received_media(0xB7) == 0);
  CHECK(bob.received_media(0xB7) == 10);
  CHECK(publisher.received_media(0xB8) == 0);  // WHIP only sends

  // DELETE of the resource: the publisher leaves, the browser hears it and renegotiates.
  size_t offers = bob.offers_received;
  using End = Conference::EndResult;
  // Only the credential that made it (or the administrator) ends it.
  CHECK(site.conference.end_http_session(published->resource, "", false) == End::kForbidden);
  CHECK(site.conference.end_http_session(published->resource, "Bearer someone-else", false) == End::kForbidden);
  CHECK(bob.roster.size() == 1);
  CHECK(site.conference.end_http_session(published->resource, "Bearer publisher-credential", false) == End::kEnded);
  CHECK(site.conference.end_http_session(published->resource, "Bearer publisher-credential", false) == End::kNotFound);
  w.settle();
  CHECK(bob.roster.empty());
  CHECK(bob.offers_received == offers + 1);
  CHECK(site.plane.router().stream_count() == 2);
}

TEST_CASE("a WHIP session made without a credential: its unguessable id is the capability; the admin ends any") {
  World w;
  Site site(w.net, w.clock, "sfu-a", "198.51.100.1");
  Client a(w.net, w.clock, "192.0.2.1", "anna"), b(w.net, w.clock, "192.0.2.2", "bert");
  a.add_tracks();
  b.add_tracks();
  auto open = site.conference.whip("r", a.offer(), w.clock.now());
  auto owned = site.conference.whip("r", b.offer(), w.clock.now(), {}, "Bearer b");
  REQUIRE(open.ok());
  REQUIRE(owned.ok());
  CHECK(open->resource != owned->resource);
  using End = Conference::EndResult;
  CHECK(site.conference.end_http_session(open->resource, "Bearer anything", false) == End::kForbidden);
  CHECK(site.conference.end_http_session(open->resource, "", false) == End::kEnded);
  CHECK(site.conference.end_http_session(owned->resource, "", true) == End::kEnded);
  CHECK(site.conference.participants() == 0);
}

TEST_CASE("a WHEP viewer gets the room's track in a codec it decodes, not just the first one") {
  // Bob (a browser) sends VP8 and came first; a WHIP encoder sends H264 only. A viewer that
  // offers only H264 must get the encoder's video: Bob's VP8 packets it could not decode.
  LiveRoom room;
  auto& [w, site, encoder, viewer, bob] = room;
  encoder.add_tracks();
  encoder.only_codec("v0", "H264", 102);
  auto published = site.conference.whip("live", encoder.offer(), w.clock.now());
  REQUIRE(published.ok());
  encoder.take_answer(published->answer);
  REQUIRE(w.run_until([&] { return encoder.connected(); }));

  viewer.add_tracks();
  viewer.only_codec("v0", "H264", 104);
  room.watch();
  room.send("v0", {{&encoder, 0xB7}, {&bob, 0xB8}});
  CHECK(viewer.received_media(0xB7) == 10);
  CHECK(viewer.received_media(0xB8) == 0);
}

TEST_CASE("WHIP and WHEP refuse an offer they cannot parse, and nothing is left behind") {
  World w;
  Site site(w.net, w.clock, "sfu-a", "198.51.100.1");
  CHECK_FALSE(site.conference.whip("r", "v=0\r\nnot sdp", w.clock.now()).ok());
  CHECK_FALSE(site.conference.whep("r", "v=0\r\nnot sdp", w.clock.now()).ok());
  CHECK(site.conference.participants() == 0);
  CHECK(site.plane.transports() == 0);
}

}  // namespace umbrella::server::test
