// Two sites bridged directly, each behind its own NAT (no network: datagrams shuttled through
// two emulated NATs that let in only what answers their own traffic). One site's transport
// has the full controlling agent and is the DTLS client, the other the full controlled agent
// and the DTLS server, each given the other's private and public (server-reflexive) address.
// The controlled side's checks open its NAT, ICE selects the two public addresses, DTLS-SRTP
// runs over that pair and media crosses both ways. With a lite agent on the controlled side
// (as toward a browser) the same NATs let nothing in.
#include <algorithm>
#include <vector>

#include "call_pair.hpp"

using namespace umbrella;
using namespace umbrella::rtc;
using namespace umbrella::rtc::test;

namespace {

struct Nat {
  SocketAddress inside, outside;
  std::vector<SocketAddress> sent_to;
  bool lets_in(const SocketAddress& from) const {
    return std::find(sent_to.begin(), sent_to.end(), from) != sent_to.end();
  }
};

struct Bridge {
  PacketPool pool{512};
  Nat nat_a{*SocketAddress::parse("10.0.0.2:5000"), *SocketAddress::parse("198.51.100.1:40000"), {}};
  Nat nat_b{*SocketAddress::parse("10.1.0.2:6000"), *SocketAddress::parse("203.0.113.1:50000"), {}};
  Sink out_a, out_b;
  Recorder events_a, events_b;
  std::unique_ptr<Transport> a, b;
  Instant now = Instant{} + seconds(1000);
  size_t dropped_by_nat = 0;

  explicit Bridge(bool b_full) {
    ice::Credentials ca{"siteA", "site-a-password-0123456789"}, cb{"siteB", "site-b-password-0123456789"};
    FullIce ice_a{{nat_b.inside, nat_b.outside}, {}};
    TransportConfig config_a{ca, cb, certificate(1).fingerprint_sha256(), ice_a};
    auto ta = Transport::create(config_a, certificate(0), pool, out_a, events_a, now);
    if (!ta.ok()) FAIL(ta.error());
    a = std::move(ta).value();
    TransportConfig config_b{cb, ca, certificate(0).fingerprint_sha256(), LiteIce{}};
    if (b_full) {
      FullIce ice_b{{nat_a.inside, nat_a.outside}, {}, dtls::Role::kServer};
      ice_b.agent.controlling = false;
      config_b.ice = ice_b;
    }
    auto tb = Transport::create(config_b, certificate(1), pool, out_b, events_b, now);
    if (!tb.ok()) FAIL(tb.error());
    b = std::move(tb).value();
  }

  // Everything queued crosses both NATs (or is dropped there), until nothing is left.
  void deliver() {
    while (!out_a.queue.empty() || !out_b.queue.empty()) {
      for (auto [out, nat] : {std::pair{&out_a, &nat_a}, std::pair{&out_b, &nat_b}}) {
        while (!out->queue.empty()) {
          auto [p, to] = std::move(out->queue.front());
          out->queue.pop_front();
          if (std::find(nat->sent_to.begin(), nat->sent_to.end(), to) == nat->sent_to.end())
            nat->sent_to.push_back(to);
          Nat& far = nat == &nat_a ? nat_b : nat_a;
          if (!(to == far.outside) || !far.lets_in(nat->outside)) {
            ++dropped_by_nat;
            continue;
          }
          (nat == &nat_a ? b : a)->on_datagram(std::move(p), nat->outside, now);
        }
      }
    }
  }

  void run_for(Duration d) {
    Instant end = now + d;
    while (now < end) {
      deliver();
      Instant next = std::min({a->next_deadline(), b->next_deadline(), end});
      now = std::max(now, next);
      if (a->next_deadline() <= now) a->on_timeout(now);
      if (b->next_deadline() <= now) b->on_timeout(now);
    }
    deliver();
  }
};

}  // namespace

TEST_CASE("direct bridge: full agents punch through two NATs, then DTLS-SRTP carries media both ways") {
  Bridge net(/*b_full=*/true);
  net.run_for(seconds(3));
  REQUIRE(net.a->connected());
  REQUIRE(net.b->connected());
  CHECK(net.a->controlling());
  CHECK_FALSE(net.b->controlling());
  CHECK(net.out_a.bound == net.nat_b.outside);
  CHECK(net.out_b.bound == net.nat_a.outside);
  CHECK(net.dropped_by_nat > 0);  // checks to private addresses, and into NATs not yet open

  auto [pa, plain_a] = make_rtp(net.pool, 0xA, 1);
  auto [pb, plain_b] = make_rtp(net.pool, 0xB, 2);
  REQUIRE(net.a->send_rtp(std::move(pa)));
  REQUIRE(net.b->send_rtp(std::move(pb)));
  net.deliver();
  REQUIRE(net.events_b.rtp.size() == 1);
  REQUIRE(net.events_a.rtp.size() == 1);
  CHECK(net.events_b.rtp[0] == plain_a);
  CHECK(net.events_a.rtp[0] == plain_b);

  // Consent both ways keeps it up with no media at all.
  net.run_for(seconds(90));
  CHECK(net.a->connected());
  CHECK(net.b->connected());
  CHECK_FALSE(net.events_a.closed);
  CHECK_FALSE(net.events_b.closed);
}

TEST_CASE("direct bridge: toward a lite agent behind a NAT, nothing gets in and the dialler gives up") {
  Bridge net(/*b_full=*/false);
  net.run_for(seconds(60));
  CHECK_FALSE(net.a->connected());
  REQUIRE(net.events_a.closed);
  CHECK(*net.events_a.closed == "ICE failed: no candidate answered");
  CHECK_FALSE(net.b->connected());
}
