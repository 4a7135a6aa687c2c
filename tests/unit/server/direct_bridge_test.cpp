// A site's side of a direct bridge (#18) on virtual time: two DirectBridge cores, introduced by
// a Rendezvous core that relays their setups (encoded and parsed as on the wire), each behind
// an emulated NAT that lets in only what answers its own traffic, and the rendezvous's media
// port answering plain binding requests with the address it sees. They learn their public
// addresses, exchange setups through the rendezvous, punch through and connect DTLS-SRTP.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <memory>

#include "../rtc/call_pair.hpp"
#include "server/direct_bridge.hpp"
#include "server/rendezvous.hpp"
#include "signal/direct_setup.hpp"
#include "stun/builder.hpp"
#include "stun/message.hpp"

using namespace umbrella;
using namespace umbrella::server;

namespace {

const SocketAddress kReflector = *SocketAddress::parse("192.0.2.1:50000");

struct Site {
  std::string id;
  uint64_t key;
  SocketAddress inside, outside;
  std::vector<SocketAddress> sent_to;  // its NAT's mappings: what may answer
  std::unique_ptr<DirectBridge> bridge;
  // A bare masquerade (no input firewall): an unsolicited datagram from R stays as the NAT's
  // own entry, and this site's flow to R later gets another public port, which R's NAT does
  // not let in.
  std::vector<SocketAddress> poisoned;
  SocketAddress public_for(const SocketAddress& to) const {
    if (std::find(poisoned.begin(), poisoned.end(), to) == poisoned.end()) return outside;
    SocketAddress other = outside;
    other.set_port(uint16_t(outside.port() + 1000));
    return other;
  }
};

struct World {
  PacketPool pool{512};
  Rendezvous rendezvous;
  Site a{"site-a", 1, *SocketAddress::parse("10.0.0.2:5000"), *SocketAddress::parse("198.51.100.1:40000"), {}, {}};
  Site b{"site-b", 2, *SocketAddress::parse("10.1.0.2:6000"), *SocketAddress::parse("203.0.113.1:50000"), {}, {}};
  Instant now = Instant{} + seconds(1000);
  bool reflector_answers = true;
  bool nat = true;  // false: one LAN, inside addresses reach each other
  bool blocked = false;  // nothing crosses between the sites (the reflector still answers)
  bool bare_nats = false;       // unsolicited datagrams poison the NAT (Site::poisoned)
  bool openers_reach = false;   // the openers do not die on the way (as if their hop limit were too high)
  size_t dropped = 0, reflected = 0, openers = 0;

  Site& by_key(uint64_t key) { return key == a.key ? a : b; }
  Site& other(Site& s) { return &s == &a ? b : a; }

  void introduce() {
    rendezvous.site_joined(a.key, a.id);
    rendezvous.site_joined(b.key, b.id);
    rendezvous.set_rooms(a.key, {"room"});
    rendezvous.set_rooms(b.key, {"room"});
    for (auto& m : rendezvous.take()) {
      REQUIRE(m.kind == RendezvousMessage::Kind::kIntroduce);
      Site& s = by_key(m.to);
      DirectBridgeConfig c;
      c.peer_site = m.site;
      c.controlling = m.controlling;
      c.host_candidates = {s.inside};
      c.reflector = kReflector;
      s.bridge = std::make_unique<DirectBridge>(c, rtc::test::certificate(&s == &a ? 0 : 1), pool, now);
    }
    REQUIRE(a.bridge);
    REQUIRE(b.bridge);
  }

  void reflect(Site& s, Packet& p) {
    auto msg = stun::parse(Bytes(p.data(), p.size()));
    if (!reflector_answers || !msg || !msg->is_binding_request()) return;
    ++reflected;
    Packet r = pool.acquire();
    stun::MessageBuilder mb(MutableBytes(r.data(), r.capacity()), stun::method::kBinding,
                            stun::MessageClass::kSuccessResponse, msg->transaction_id);
    mb.add_xor_mapped_address(nat ? s.outside : s.inside);
    mb.add_fingerprint();
    r.set_size(mb.finish());
    s.bridge->on_datagram(std::move(r), kReflector, now);
  }

  // Setups go through the rendezvous as SiteSignal payloads; datagrams through the NATs.
  void deliver() {
    for (bool moved = true; moved;) {
      moved = false;
      for (Site* s : {&a, &b}) {
        if (auto setup = s->bridge->take_setup()) {
          moved = true;
          std::array<uint8_t, signal::kMaxDirectSetupSize> buf{};
          size_t n = signal::build_direct_setup(*setup, buf);
          REQUIRE(n > 0);
          REQUIRE(rendezvous.on_signal(s->key, other(*s).id, Bytes(buf.data(), n), now));
          for (auto& m : rendezvous.take()) {
            auto parsed = signal::parse_direct_setup(Bytes(m.payload.data(), m.payload.size()));
            REQUIRE(parsed);
            CHECK(*parsed == *setup);
            by_key(m.to).bridge->on_setup(*parsed, now);
          }
        }
        // Openers open this site's NAT toward each address and die on the way.
        for (auto& to : s->bridge->take_openers()) {
          ++openers;
          if (openers_reach) {
            Packet p = pool.acquire();
            p.set_size(1);
            cross(*s, to, std::move(p));
          } else if (std::find(s->sent_to.begin(), s->sent_to.end(), to) == s->sent_to.end()) {
            s->sent_to.push_back(to);
          }
        }
        for (auto& [p, to] : s->bridge->take_datagrams()) {
          moved = true;
          if (to == kReflector) {
            if (std::find(s->sent_to.begin(), s->sent_to.end(), to) == s->sent_to.end()) s->sent_to.push_back(to);
            reflect(*s, p);
            continue;
          }
          cross(*s, to, std::move(p));
        }
      }
    }
  }

  // A datagram from site s to `to`, through both NATs (or the one LAN).
  void cross(Site& s, const SocketAddress& to, Packet p) {
    Site& far = other(s);
    SocketAddress seen_from = nat ? s.public_for(to) : s.inside;
    if (std::find(s.sent_to.begin(), s.sent_to.end(), to) == s.sent_to.end()) s.sent_to.push_back(to);
    bool in = nat ? to == far.outside && std::find(far.sent_to.begin(), far.sent_to.end(), seen_from) !=
                                             far.sent_to.end()
                  : to == far.inside;
    if (!in || blocked) {
      ++dropped;
      // Unsolicited at the far NAT: a bare masquerade keeps it, unless the far site already
      // mapped a flow to that address (then it is just filtered).
      if (nat && bare_nats && !blocked && to == far.outside &&
          std::find(far.sent_to.begin(), far.sent_to.end(), seen_from) == far.sent_to.end() &&
          std::find(far.poisoned.begin(), far.poisoned.end(), seen_from) == far.poisoned.end())
        far.poisoned.push_back(seen_from);
      return;
    }
    far.bridge->on_datagram(std::move(p), seen_from, now);
  }

  void run_for(Duration d) {
    Instant end = now + d;
    while (now < end) {
      deliver();
      Instant next = std::min({a.bridge->next_deadline(), b.bridge->next_deadline(), end});
      now = std::max(now, next);
      if (a.bridge->next_deadline() <= now) a.bridge->on_timeout(now);
      if (b.bridge->next_deadline() <= now) b.bridge->on_timeout(now);
    }
    deliver();
  }
};

}  // namespace

TEST_CASE("direct bridge: two sites behind NATs learn their public addresses, swap setups through the rendezvous, "
          "and connect DTLS-SRTP directly") {
  World w;
  w.introduce();
  CHECK(w.a.bridge->controlling());  // "site-a" sorts first
  CHECK_FALSE(w.b.bridge->controlling());
  CHECK(w.a.bridge->state() == DirectBridge::State::kGathering);
  w.run_for(seconds(5));
  CHECK(w.a.bridge->reflexive() == w.a.outside);
  CHECK(w.b.bridge->reflexive() == w.b.outside);
  REQUIRE(w.a.bridge->state() == DirectBridge::State::kConnected);
  REQUIRE(w.b.bridge->state() == DirectBridge::State::kConnected);
  CHECK(w.a.bridge->remote_address() == w.b.outside);
  CHECK(w.b.bridge->remote_address() == w.a.outside);
  CHECK(w.rendezvous.counters().signals_relayed == 2);  // one setup each way
  CHECK(w.a.bridge->counters().bytes_sent > 0);
  CHECK(w.a.bridge->counters().bytes_received > 0);
  CHECK(w.dropped > 0);  // checks toward private addresses and into NATs not yet open

  // The pair carries SRTP both ways.
  auto [pa, plain_a] = rtc::test::make_rtp(w.pool, 0xA, 1);
  REQUIRE(w.a.bridge->transport()->send_rtp(std::move(pa)));
  w.deliver();
  // Consent keeps it up: checks keep crossing.
  uint64_t sent = w.a.bridge->counters().bytes_sent;
  w.run_for(seconds(60));
  CHECK(w.a.bridge->state() == DirectBridge::State::kConnected);
  CHECK(w.b.bridge->state() == DirectBridge::State::kConnected);
  CHECK(w.a.bridge->counters().bytes_sent > sent);
  // A path that stops carrying anything loses consent on both sides within 5 s (and the
  // retry may already have started: the error says what happened).
  w.blocked = true;
  w.run_for(seconds(6));
  CHECK(w.a.bridge->state() != DirectBridge::State::kConnected);
  CHECK(w.b.bridge->state() != DirectBridge::State::kConnected);
  CHECK(w.a.bridge->last_error().find("consent") != std::string::npos);
  CHECK(w.b.bridge->last_error().find("consent") != std::string::npos);
}

TEST_CASE("direct bridge: without an answer from the rendezvous's media port, host candidates still connect on one LAN") {
  World w;
  w.reflector_answers = false;
  w.nat = false;
  w.introduce();
  w.run_for(seconds(1));
  CHECK(w.a.bridge->state() == DirectBridge::State::kGathering);  // still asking
  w.run_for(seconds(5));
  CHECK(w.reflected == 0);
  CHECK_FALSE(w.a.bridge->reflexive());
  REQUIRE(w.a.bridge->state() == DirectBridge::State::kConnected);
  REQUIRE(w.b.bridge->state() == DirectBridge::State::kConnected);
  CHECK(w.a.bridge->remote_address() == w.b.inside);
}

TEST_CASE("direct bridge: behind NATs with no reflexive address, the checks fail, the bridge says so and tries again") {
  World w;
  w.reflector_answers = false;
  w.introduce();
  w.run_for(seconds(60));
  CHECK(w.a.bridge->state() != DirectBridge::State::kConnected);
  CHECK(w.a.bridge->last_error() == "ICE failed: no candidate answered");
  CHECK(w.a.bridge->counters().retries >= 1);  // and it keeps trying, further apart
}

TEST_CASE("direct bridge: a stray datagram before any setup is counted; a peer that starts afresh is bridged again") {
  World w;
  w.introduce();
  Packet p = w.pool.copy_of(std::vector<uint8_t>{0x80, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1});
  w.a.bridge->on_datagram(std::move(p), w.b.outside, w.now);
  CHECK(w.a.bridge->counters().stray == 1);
  w.run_for(seconds(5));
  REQUIRE(w.a.bridge->state() == DirectBridge::State::kConnected);

  // B restarts (a new bridge, a new session): A drops its transport, sends its setup again,
  // and the two connect afresh.
  DirectBridgeConfig c;
  c.peer_site = w.a.id;
  c.host_candidates = {w.b.inside};
  c.reflector = kReflector;
  w.b.bridge = std::make_unique<DirectBridge>(c, rtc::test::certificate(1), w.pool, w.now);
  w.run_for(seconds(5));
  CHECK(w.rendezvous.counters().signals_relayed == 4);
  REQUIRE(w.b.bridge->state() == DirectBridge::State::kConnected);
  REQUIRE(w.a.bridge->state() == DirectBridge::State::kConnected);
  CHECK(w.a.bridge->counters().setups_received == 2);
}

TEST_CASE("direct bridge: a bridge whose checks failed tries again with a fresh session, and connects once the path opens") {
  World w;
  w.blocked = true;
  w.introduce();
  w.run_for(seconds(50));
  REQUIRE(w.a.bridge->state() == DirectBridge::State::kFailed);
  w.blocked = false;
  w.run_for(seconds(120));
  CHECK(w.a.bridge->counters().retries >= 1);
  REQUIRE(w.a.bridge->state() == DirectBridge::State::kConnected);
  REQUIRE(w.b.bridge->state() == DirectBridge::State::kConnected);
  CHECK(w.a.bridge->remote_address() == w.b.outside);
  // Connected, it stays so: no more retries.
  auto retries = w.a.bridge->counters().retries + w.b.bridge->counters().retries;
  w.run_for(seconds(120));
  CHECK(w.a.bridge->counters().retries + w.b.bridge->counters().retries == retries);
  CHECK(w.a.bridge->state() == DirectBridge::State::kConnected);
}

TEST_CASE("direct bridge: behind two bare masquerades, openers that die on the way let the checks through") {
  World w;
  w.bare_nats = true;
  w.introduce();
  w.run_for(seconds(10));
  CHECK(w.openers >= 2);  // each site opened its NAT toward the other's candidates first
  REQUIRE(w.a.bridge->state() == DirectBridge::State::kConnected);
  REQUIRE(w.b.bridge->state() == DirectBridge::State::kConnected);
  CHECK(w.a.bridge->remote_address() == w.b.outside);
  CHECK(w.a.poisoned.empty());
  CHECK(w.b.poisoned.empty());
}

TEST_CASE("direct bridge: behind two bare masquerades, a first datagram that reaches the far NAT spoils the pair") {
  // What the openers prevent (test_direct_nat saw it with real conntrack): the first site's
  // datagram reaches the other's NAT before that site sent anything, the NAT keeps it, and
  // the other site's own flow comes out of another port, which the first NAT drops.
  World w;
  w.bare_nats = true;
  w.openers_reach = true;
  w.introduce();
  w.run_for(seconds(15));
  CHECK(w.a.bridge->state() != DirectBridge::State::kConnected);
  CHECK(w.b.bridge->state() != DirectBridge::State::kConnected);
  CHECK(!w.b.poisoned.empty());
}
