// A trunk over a direct bridge (#18), whole, without a network: a cloud SFU and two site SFUs
// that both trunk to it (site_harness.hpp), and between the sites a real DirectBridge pair
// (full ICE, DTLS-SRTP, SCTP) carrying a DirectTrunk each. Alice publishes on site A, Bob
// watches on site B. Checks what the issue asks: while the path is direct her media reaches
// Bob over the bridge and the cloud forwards none of it; back on the cloud path (asked, or the
// bridge gone) the cloud carries it again; every packet arrives exactly once throughout.
#include <doctest/doctest.h>

#include <memory>

#include "sctp/stack.hpp"
#include "server/direct_bridge.hpp"
#include "server/direct_trunk.hpp"
#include "site_harness.hpp"

using namespace umbrella;
using namespace umbrella::server;
using namespace umbrella::server::test;

namespace {

// One site's end of the bridge: the sans-IO core on the in-memory network, and its trunk.
struct BridgeEnd {
  BridgeEnd(World& w, Site& site, sctp::Stack& stack, std::string peer, bool controlling, std::string ip)
      : world(w), address(*SocketAddress::parse(ip + ":7000")) {
    DirectBridgeConfig c;
    c.peer_site = std::move(peer);
    c.controlling = controlling;
    c.host_candidates = {address};
    c.sctp = &stack;
    bridge = std::make_unique<DirectBridge>(c, rtc::test::certificate(controlling ? 0 : 1), pool, w.clock.now());
    link = std::make_unique<DirectTrunk>(site.loop, site.hub, nullptr, c.peer_site, controlling, counters);
    bridge->set_media(link.get());
    bridge->set_output([this](Packet p, const SocketAddress& to) {
      world.net.queue.push_back({std::move(p), address, to});
    });
    w.net.hosts[address] = [this](Packet p, const SocketAddress& from) {
      Packet copy = pool.copy_of(p.span());
      p.reset();
      if (copy && bridge) bridge->on_datagram(std::move(copy), from, world.clock.now());
    };
  }
  ~BridgeEnd() { world.net.hosts.erase(address); }
  void step(Instant now) {
    if (bridge && bridge->next_deadline() <= now) bridge->on_timeout(now);
  }

  World& world;
  SocketAddress address;
  PacketPool pool{512};
  DirectTrunkCounters counters;
  std::unique_ptr<DirectTrunk> link;  // outlives the bridge, which tells it when it goes
  std::unique_ptr<DirectBridge> bridge;
};

size_t tracks_on(Site& s) {
  size_t n = 0;
  s.conference.for_each_track(nullptr, [&](const PublisherTrack&) { ++n; });
  return n;
}

}  // namespace

TEST_CASE("direct trunk: the peer's tracks come over the bridge while the path is direct, the cloud's copy "
          "standing by, and every packet arrives once") {
  World w;
  auto stack = sctp::Stack::create(w.clock.now());  // before everything that uses it, so after it
  REQUIRE(stack.ok());
  Site cloud(w.net, w.clock, "cloud", "198.51.100.9"), a(w.net, w.clock, "sfu-a", "198.51.100.1"),
      b(w.net, w.clock, "sfu-b", "198.51.100.2");
  Client alice(w.net, w.clock, "192.0.2.1", "alice"), bob(w.net, w.clock, "192.0.2.2", "bob"),
      carol(w.net, w.clock, "192.0.2.3", "carol"), dave(w.net, w.clock, "192.0.2.4", "dave");
  w.sites = {&cloud, &a, &b};
  w.clients = {&alice, &bob, &carol, &dave};
  TrunkWire ac(a, cloud, *SocketAddress::parse("203.0.113.1:4000")),
      bc(b, cloud, *SocketAddress::parse("203.0.113.2:4000"));
  w.wires = {&ac, &bc};
  alice.open(a);
  alice.join("r");
  alice.publish();
  bob.open(b);
  bob.join("r");
  bob.publish();
  carol.open(cloud);  // on the cloud itself: a third origin, which no direct trunk may carry
  carol.join("r");
  carol.publish();

  BridgeEnd ea(w, a, **stack, "sfu-b", true, "198.51.100.1"), eb(w, b, **stack, "sfu-a", false, "198.51.100.2");
  auto step = [&](Duration d = milliseconds(5)) {
    w.step(d);
    ea.step(w.clock.now());
    eb.step(w.clock.now());
    if ((*stack)->next_deadline() <= w.clock.now()) (*stack)->on_timeout(w.clock.now());
    // Setups as the rendezvous would relay them.
    if (auto s = ea.bridge ? ea.bridge->take_setup() : std::nullopt) eb.bridge->on_setup(*s, w.clock.now());
    if (auto s = eb.bridge ? eb.bridge->take_setup() : std::nullopt) ea.bridge->on_setup(*s, w.clock.now());
    w.settle();
  };
  auto run_until = [&](const std::function<bool()>& done, Duration limit = seconds(10)) {
    Instant end = w.clock.now() + limit;
    while (!done() && w.clock.now() < end) step();
    return done();
  };
  // `from`'s audio (Alice's unless said), `n` packets; how many reached Bob.
  auto send = [&](uint8_t marker, int n, Client* from = nullptr) {
    size_t before = bob.received_media(marker);
    for (int i = 0; i < n; ++i) {
      REQUIRE((from ? from : &alice)->send_media("a0", marker));
      step(milliseconds(20));
    }
    for (int i = 0; i < 10; ++i) step(milliseconds(20));
    return bob.received_media(marker) - before;
  };
  auto forwarded = [](Site& s) { return s.plane.counters().forwarded; };

  // The call through the cloud; the bridge connects and a trunk runs over it, each side
  // offering only its own tracks.
  REQUIRE(run_until([&] { return alice.connected() && bob.connected() && carol.connected() && tracks_on(b) == 6; }));
  REQUIRE(run_until([&] { return ea.link->key() && eb.link->key(); }));
  CHECK(ea.counters.trunks == 1);
  CHECK(eb.counters.trunks == 1);
  for (int i = 0; i < 50; ++i) step(milliseconds(20));
  CHECK(tracks_on(b) == 6);  // the direct copies add no track
  CHECK(send(0xA0, 10) == 10);

  // The path goes direct: the bridge feeds Alice's tracks on B, the cloud stops carrying them.
  b.hub.direct_path("sfu-a", DirectPath::Path::kDirect);
  a.hub.direct_path("sfu-b", DirectPath::Path::kDirect);
  CHECK(b.hub.direct_tracks() == 2);  // Alice's, never Carol's: each site sends only its own
  CHECK(a.hub.direct_tracks() == 2);  // and Bob's on A
  for (int i = 0; i < 20; ++i) step(milliseconds(20));
  uint64_t cloud_before = forwarded(cloud), bridge_before = eb.bridge->counters().bytes_received;
  CHECK(send(0xA1, 10) == 10);
  CHECK(forwarded(cloud) - cloud_before == 10);  // to Carol only, none toward site-b
  CHECK(eb.bridge->counters().bytes_received > bridge_before + 10 * 160);
  CHECK(tracks_on(b) == 6);
  // Carol's media still comes by the cloud, once.
  CHECK(send(0xC1, 10, &carol) == 10);

  // A stranger throws garbage and forgeries at site-b's bridge socket: refused there, and the
  // bridge, its trunk and Bob's media go on as before.
  const SocketAddress stranger = *SocketAddress::parse("203.0.113.66:9999");
  auto junk = [&](std::vector<uint8_t> bytes) {
    Packet p = eb.pool.acquire();
    REQUIRE(p);
    std::copy(bytes.begin(), bytes.end(), p.data());
    p.set_size(bytes.size());
    w.net.queue.push_back({std::move(p), stranger, eb.address});
  };
  std::vector<uint8_t> stun(20, 0), dtls(40, 0xAB), rtp(60, 0x11), rtcp(32, 0x22);
  stun[1] = 0x01;                                   // a binding request without integrity
  stun[4] = 0x21, stun[5] = 0x12, stun[6] = 0xA4, stun[7] = 0x42;
  dtls[0] = 22, dtls[1] = 0xFE, dtls[2] = 0xFD;     // a DTLS handshake record of nonsense
  rtp[0] = 0x80, rtp[1] = 0x6F;                     // SRTP that cannot authenticate
  rtcp[0] = 0x80, rtcp[1] = 200;                    // SRTCP likewise
  const rtc::TransportCounters before = eb.bridge->transport()->counters();
  for (int i = 0; i < 50; ++i)
    for (auto* b : {&stun, &dtls, &rtp, &rtcp}) junk(*b);
  junk({});
  junk({0xFF});
  CHECK(send(0xA5, 10) == 10);
  CHECK(eb.bridge->state() == DirectBridge::State::kConnected);
  CHECK(eb.link->key() != 0);
  CHECK(b.hub.direct_tracks() == 2);
  const rtc::TransportCounters& after = eb.bridge->transport()->counters();
  CHECK(after.srtp_auth_failed - before.srtp_auth_failed >= 100);      // the RTP and RTCP
  CHECK(after.not_selected_source - before.not_selected_source >= 50);  // the DTLS records

  // Dave joins site A while the path is direct: his tracks come over the bridge as soon as
  // the cloud's copies exist, and go with him.
  dave.open(a);
  dave.join("r");
  dave.publish();
  REQUIRE(run_until([&] { return dave.connected() && tracks_on(b) == 8 && b.hub.direct_tracks() == 4; }));
  for (int i = 0; i < 20; ++i) step(milliseconds(20));
  cloud_before = forwarded(cloud);
  CHECK(send(0xD1, 10, &dave) == 10);
  CHECK(forwarded(cloud) - cloud_before == 10);  // to Carol only
  dave.close();
  REQUIRE(run_until([&] { return tracks_on(b) == 6; }));
  CHECK(b.hub.direct_tracks() == 2);

  // Asked back onto the cloud path: the cloud's copy feeds again.
  b.hub.direct_path("sfu-a", DirectPath::Path::kCloud);
  CHECK(b.hub.direct_tracks() == 0);
  for (int i = 0; i < 20; ++i) step(milliseconds(20));
  cloud_before = forwarded(cloud);
  CHECK(send(0xA2, 10) == 10);
  CHECK(forwarded(cloud) - cloud_before == 20);  // to Carol and to site-b

  // Direct again, then the bridge goes away under it: the trunk ends, the tracks are handed
  // back at once and the cloud carries them; Bob's call goes on.
  b.hub.direct_path("sfu-a", DirectPath::Path::kDirect);
  for (int i = 0; i < 20; ++i) step(milliseconds(20));
  CHECK(send(0xA3, 10) == 10);
  eb.bridge.reset();
  CHECK(eb.link->key() == 0);
  CHECK(b.hub.direct_tracks() == 0);
  for (int i = 0; i < 20; ++i) step(milliseconds(20));
  cloud_before = forwarded(cloud);
  CHECK(send(0xA4, 10) == 10);
  CHECK(forwarded(cloud) - cloud_before == 20);  // to Carol and to site-b
  CHECK(tracks_on(b) == 6);

  // Alice leaves while A's end still runs: her tracks go everywhere, nothing is left fed.
  ea.bridge.reset();
  alice.close();
  REQUIRE(run_until([&] { return tracks_on(b) == 4; }));
  CHECK(a.hub.direct_tracks() == 0);
}
