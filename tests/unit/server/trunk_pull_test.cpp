// Pull over trunks: the want sets (sans-IO), and whole SFUs in a line A–B–C where a track
// crosses only while someone at the far end watches it.
#include <map>
#include <set>
#include <string_view>

#include "server/site_harness.hpp"
#include "server/trunk_wants.hpp"

namespace umbrella::server::test {
namespace {

std::vector<std::string_view> views(const std::vector<std::string>& v) { return {v.begin(), v.end()}; }

PublisherTrack live(std::string id, media::TrackId stream) {
  PublisherTrack t;
  t.track_id = std::move(id);
  t.stream = stream;
  return t;
}

}  // namespace

TEST_CASE("trunk wants: the far side's set replaces the last, a want for a track not here yet is kept") {
  TrunkWants w;
  std::vector<std::string> first = {"s/p/v0", "s/p/a0"};
  REQUIRE(w.set_far(views(first)));
  CHECK(w.far_wants("s/p/a0"));
  CHECK(w.far_wants("s/p/v0"));
  CHECK_FALSE(w.far_wants("s/q/v0"));  // nobody asked: it does not cross
  std::vector<std::string> later = {"s/q/v0"};  // not offered yet: kept until it is
  REQUIRE(w.set_far(views(later)));
  CHECK(w.far_wants("s/q/v0"));
  CHECK_FALSE(w.far_wants("s/p/v0"));  // no longer wanted: stops
  REQUIRE(w.set_far({}));
  CHECK(w.far().empty());
  // More than a description could carry is refused, and the last set stays.
  std::vector<std::string> flood;
  for (size_t i = 0; i <= TrunkWants::kMaxTracks; ++i) flood.push_back("t" + std::to_string(i));
  REQUIRE(w.set_far(views(later)));
  CHECK_FALSE(w.set_far(views(flood)));
  CHECK(w.far() == later);
}

TEST_CASE("trunk wants: ours are sent when they change, in full, and again on a fresh link") {
  TrunkWants w;
  CHECK_FALSE(w.update({}));  // nothing wanted at first: nothing to say
  CHECK(w.update({"a", "b"}));
  CHECK(w.sent() == std::vector<std::string>{"a", "b"});
  CHECK_FALSE(w.update({"a", "b"}));  // the same set again is no change
  CHECK(w.update({"a"}));             // one unwanted: the new whole set goes
  CHECK(w.update({}));                // nobody watches: an empty set stops everything
  TrunkWants reconnected;             // a new link starts from nothing, so it says it again
  CHECK(reconnected.update({"a"}));
}

TEST_CASE("trunk wants: only live tracks the trunk brings in that have a subscriber here") {
  std::vector<PublisherTrack> brought_in = {live("x/1", 7), live("x/2", 8), live("x/3", 0), live("x/0", 9)};
  auto wanted = wanted_tracks(brought_in, [](media::TrackId t) { return t == 7 || t == 9 || t == 0; });
  // x/3 is a copy that came round a ring (not forwarded, stream 0): never asked for there.
  CHECK(wanted == std::vector<std::string>{"x/1", "x/0"});
}

// A ring of three, as the server routes it: each track is live at a site through exactly one
// path (the first that brought it; later copies are ignored by id) and is never sent back on
// the link it came from. Wants are exchanged until nothing changes; once the watcher leaves,
// no want may survive by going round the ring.
TEST_CASE("trunk wants: in a ring a want follows the track's one path and dies with its watcher") {
  struct Link {
    int far_site, far_link;
    TrunkWants wants;
  };
  struct Node {
    std::vector<Link> links;
    std::map<std::string, int> source;  // track -> the link that brings it in (-1: published here)
    std::set<std::string> watched;      // local subscribers
  };
  std::vector<Node> ring(3);
  for (int i = 0; i < 3; ++i) {  // link 0 to the next site, link 1 to the previous one
    ring[i].links.push_back({(i + 1) % 3, 1, {}});
    ring[i].links.push_back({(i + 2) % 3, 0, {}});
  }
  // t is published on site 0; sites 1 and 2 each got it straight from 0 (on their link to it).
  ring[0].source["t"] = -1;
  ring[1].source["t"] = 1;
  ring[2].source["t"] = 0;
  auto sends = [&](int site, int link, const std::string& track) {  // the trunk's output is subscribed
    const Node& n = ring[site];
    auto s = n.source.find(track);
    return s != n.source.end() && s->second != link && n.links[link].wants.far_wants(track);
  };
  auto subscribed = [&](int site, const std::string& track) {
    bool any = ring[site].watched.count(track) > 0;
    for (int l = 0; l < 2; ++l) any |= sends(site, l, track);
    return any;
  };
  // One round: every link re-asks its far side; true while anything changed.
  auto round = [&] {
    bool changed = false;
    for (int i = 0; i < 3; ++i)
      for (int l = 0; l < 2; ++l) {
        std::vector<PublisherTrack> brought_in;
        std::vector<std::string> names;
        for (auto& [track, link] : ring[i].source)
          if (link == l) names.push_back(track);
        for (size_t k = 0; k < names.size(); ++k) brought_in.push_back(live(names[k], media::TrackId(k + 1)));
        auto wanted = wanted_tracks(brought_in, [&](media::TrackId id) { return subscribed(i, names[id - 1]); });
        Link& link = ring[i].links[l];
        if (!link.wants.update(wanted)) continue;
        changed = true;
        REQUIRE(ring[link.far_site].links[link.far_link].wants.set_far(views(link.wants.sent())));
      }
    return changed;
  };
  auto settle = [&] {
    for (int i = 0; i < 10; ++i)
      if (!round()) return true;
    return false;  // still changing: wants circling the ring
  };
  REQUIRE(settle());
  for (int i = 0; i < 3; ++i)
    for (int l = 0; l < 2; ++l) CHECK_FALSE(sends(i, l, "t"));  // nobody watches: nothing crosses

  ring[2].watched.insert("t");
  REQUIRE(settle());
  CHECK(sends(0, 1, "t"));        // 0 -> 2 directly: the one path t took to site 2
  CHECK_FALSE(sends(0, 0, "t"));  // not to 1: nobody there
  CHECK_FALSE(sends(1, 0, "t"));  // 1 never passes it on toward 2 (2 has it from 0)
  CHECK_FALSE(sends(2, 1, "t"));  // nor 2 back toward 1

  ring[1].watched.insert("t");
  REQUIRE(settle());
  CHECK(sends(0, 0, "t"));
  CHECK(sends(0, 1, "t"));
  int crossings = 0;
  for (int i = 0; i < 3; ++i)
    for (int l = 0; l < 2; ++l) crossings += sends(i, l, "t");
  CHECK(crossings == 2);  // each watcher gets it exactly once

  ring[1].watched.clear();
  ring[2].watched.clear();
  REQUIRE(settle());
  for (int i = 0; i < 3; ++i)
    for (int l = 0; l < 2; ++l) {
      CHECK_FALSE(sends(i, l, "t"));
      CHECK(ring[i].links[l].wants.sent().empty());
    }
}

namespace {

// The id of the video track a trunk brings into `s` (the only one from sfu-a).
std::string alice_video(Site& s) {
  std::string id;
  s.conference.for_each_track(nullptr, [&](const PublisherTrack& t) {
    if (t.origin_site == "sfu-a" && t.kind == sfu::Kind::kVideo) id = t.track_id;
  });
  return id;
}

// Packets the media plane handed to any transport (each subscriber's copy counts).
uint64_t forwarded(Site& s) { return s.plane.counters().forwarded; }

}  // namespace

TEST_CASE("pull: a line A–B–C carries a track only while someone on C watches it, through B") {
  World w;
  Site a(w.net, w.clock, "sfu-a", "198.51.100.1"), b(w.net, w.clock, "sfu-b", "198.51.100.2"),
      c(w.net, w.clock, "sfu-c", "198.51.100.3");
  Client alice(w.net, w.clock, "192.0.2.1", "alice"), dave(w.net, w.clock, "192.0.2.4", "dave"),
      carol(w.net, w.clock, "192.0.2.3", "carol");
  w.sites = {&a, &b, &c};
  w.clients = {&alice, &dave, &carol};
  alice.open(a);
  alice.join("r");
  alice.publish();
  dave.open(a);
  dave.join("q");  // another room: nobody anywhere watches him
  dave.publish();
  TrunkWire ab(a, b), bc(b, c);  // A dials B, B dials C
  w.wires = {&ab, &bc};
  auto tracks_on = [](Site& s) {
    size_t n = 0;
    s.conference.for_each_track(nullptr, [&](const PublisherTrack&) { ++n; });
    return n;
  };
  REQUIRE(w.run_until([&] { return alice.connected() && dave.connected() && tracks_on(c) == 4; }));
  for (int i = 0; i < 20; ++i) w.step(milliseconds(20));

  // Nobody on B or C: the tracks are announced there, but no packet crosses a trunk.
  for (int i = 0; i < 10; ++i) {
    REQUIRE(alice.send_media("a0", 0xA1));
    REQUIRE(dave.send_media("a0", 0xD1));
    w.step(milliseconds(20));
  }
  CHECK(forwarded(a) == 0);
  CHECK(forwarded(b) == 0);
  CHECK(a.plane.router().subscription_count() == 0);

  // Carol on C, in alice's room: the want goes C -> B -> A and alice's tracks cross both
  // trunks; dave's do not. Carol's own tracks are pulled the other way, to alice.
  carol.open(c);
  carol.join("r");
  carol.publish();
  REQUIRE(w.run_until([&] {
    alice.send_media("a0", 0xA0);
    carol.send_media("a0", 0xC0);
    return carol.received_media(0xA0) > 0 && alice.received_media(0xC0) > 0;
  }));
  for (int i = 0; i < 20; ++i) w.step(milliseconds(20));
  uint64_t a_before = forwarded(a), b_before = forwarded(b);
  size_t carol_before = carol.received_media(0xA2), alice_before = alice.received_media(0xC2);
  for (int i = 0; i < 10; ++i) {
    REQUIRE(alice.send_media("a0", 0xA2));
    REQUIRE(dave.send_media("a0", 0xD2));
    REQUIRE(carol.send_media("a0", 0xC2));
    w.step(milliseconds(20));
  }
  CHECK(carol.received_media(0xA2) == carol_before + 10);
  CHECK(alice.received_media(0xC2) == alice_before + 10);
  CHECK(forwarded(a) - a_before == 20);  // alice's to the trunk, carol's to alice; none of dave's
  CHECK(forwarded(b) - b_before == 20);  // passed on both ways
  CHECK(dave.received_media(0xC2) == 0);

  // Carol leaves: the wants drain back along the line and nothing crosses any more.
  carol.close();
  REQUIRE(w.run_until([&] {
    return a.plane.router().subscription_count() == 0 && b.plane.router().subscription_count() == 0;
  }));
  a_before = forwarded(a);
  b_before = forwarded(b);
  for (int i = 0; i < 10; ++i) {
    REQUIRE(alice.send_media("a0", 0xA3));
    w.step(milliseconds(20));
  }
  CHECK(forwarded(a) == a_before);
  CHECK(forwarded(b) == b_before);
}

TEST_CASE("pull: a video packet lost on the trunk is repaired across it (NACK from B, RTX from A)") {
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
  TrunkWire wire(a, b);
  w.wires = {&wire};
  REQUIRE(w.run_until([&] {
    alice.send_media("v0", 0x70);
    return bob.received_media(0x70) > 0;
  }));
  for (int i = 0; i < 20; ++i) w.step(milliseconds(20));
  // The next media-sized SRTP datagram from A's media port to B's is lost once.
  SocketAddress from_a = *SocketAddress::parse("198.51.100.1:40000"), to_b = *SocketAddress::parse("198.51.100.2:40000");
  size_t lost = 0;
  w.net.lose = [&](const Net::InFlight& d) {
    Bytes p = d.packet.span();
    uint8_t pt = p.size() > 1 ? p[1] & 0x7f : 0;
    bool rtp = d.from == from_a && d.to == to_b && p.size() > 150 && (p[0] & 0xc0) == 0x80 &&
               (pt < 64 || pt > 95);  // RTP, not RTCP (RFC 5761)
    if (!rtp || lost) return false;
    ++lost;
    return true;
  };
  for (int i = 0; i < 10; ++i) {
    REQUIRE(alice.send_media("v0", 0x71));
    w.step(milliseconds(20));
  }
  for (int i = 0; i < 50; ++i) w.step(milliseconds(20));
  CHECK(lost == 1);
  CHECK(bob.received_media(0x71) == 10);  // the lost one came back as RTX from A's cache
  const PublisherTrack* via_trunk = b.conference.find_track(alice_video(b), nullptr);
  REQUIRE(via_trunk);
  CHECK(b.plane.track_counters(via_trunk->stream)->nacks_sent >= 1);
  CHECK(b.plane.track_counters(via_trunk->stream)->rtx_received >= 1);
}

}  // namespace umbrella::server::test
