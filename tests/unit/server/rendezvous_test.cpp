// The rendezvous core (#18): who is introduced to whom, and what it relays between sites.
#include <doctest/doctest.h>

#include "server/rendezvous.hpp"

using namespace umbrella;
using namespace umbrella::server;
using Kind = RendezvousMessage::Kind;

namespace {
const Instant t0 = Instant{} + seconds(100);
Bytes bytes_of(const std::vector<uint8_t>& v) { return Bytes(v.data(), v.size()); }
}  // namespace

TEST_CASE("rendezvous: two sites are introduced when they share a room, and the first site id controls") {
  Rendezvous r;
  r.site_joined(1, "site-b");
  r.site_joined(2, "site-a");
  r.set_rooms(1, {"x", "shared"});
  CHECK(r.take().empty());  // site-a has nobody anywhere yet
  r.set_rooms(2, {"shared"});
  auto out = r.take();
  REQUIRE(out.size() == 2);
  for (auto& m : out) {
    CHECK(m.kind == Kind::kIntroduce);
    if (m.to == 2) CHECK((m.site == "site-b" && m.controlling));
    else CHECK((m.to == 1 && m.site == "site-a" && !m.controlling));
  }
  CHECK(r.counters().introductions == 2);
  // More rooms in common: no second introduction.
  r.set_rooms(2, {"shared", "x"});
  CHECK(r.take().empty());
  // No room in common any more: both hear it ended.
  r.set_rooms(2, {});
  out = r.take();
  REQUIRE(out.size() == 2);
  CHECK(out[0].kind == Kind::kEnd);
  CHECK(out[1].kind == Kind::kEnd);
  CHECK(r.introduced_pairs() == 0);
}

TEST_CASE("rendezvous: a site that leaves ends its introductions; the other one hears it") {
  Rendezvous r;
  r.site_joined(1, "a");
  r.site_joined(2, "b");
  r.site_joined(3, "c");
  r.set_rooms(1, {"r"});
  r.set_rooms(2, {"r"});
  r.set_rooms(3, {"r"});
  CHECK(r.take().size() == 6);  // three pairs
  r.site_left(2);
  auto out = r.take();
  REQUIRE(out.size() == 2);  // a and c each hear b ended
  for (auto& m : out) CHECK((m.kind == Kind::kEnd && m.site == "b" && m.to != 2));
  CHECK(r.introduced_pairs() == 1);
}

TEST_CASE("rendezvous: signals are relayed between introduced sites only, bounded in size and rate") {
  RendezvousLimits limits;
  limits.signals_per_second = 1;
  limits.signal_burst = 3;
  Rendezvous r(limits);
  std::vector<uint8_t> setup(100, 7);
  r.site_joined(1, "a");
  r.site_joined(2, "b");
  r.site_joined(3, "c");
  r.set_rooms(1, {"r"});
  r.set_rooms(2, {"r"});
  r.set_rooms(3, {"other"});
  (void)r.take();

  CHECK(r.on_signal(1, "b", bytes_of(setup), t0));
  auto out = r.take();
  REQUIRE(out.size() == 1);
  CHECK(out[0].to == 2);
  CHECK(out[0].kind == Kind::kSignal);
  CHECK(out[0].site == "a");  // the receiver learns the sender, named by the rendezvous
  CHECK(out[0].payload == setup);

  // Not introduced (no shared room), unknown, itself: refused.
  CHECK_FALSE(r.on_signal(1, "c", bytes_of(setup), t0));
  CHECK_FALSE(r.on_signal(1, "nobody", bytes_of(setup), t0));
  CHECK_FALSE(r.on_signal(1, "a", bytes_of(setup), t0));
  CHECK(r.counters().refused_not_introduced == 3);
  // A trunk that has not passed the handshake is not a site.
  CHECK_FALSE(r.on_signal(9, "b", bytes_of(setup), t0));
  CHECK(r.counters().refused_unauthenticated == 1);
  // Too large, or empty.
  std::vector<uint8_t> big(limits.max_payload + 1, 1);
  CHECK_FALSE(r.on_signal(1, "b", bytes_of(big), t0));
  CHECK_FALSE(r.on_signal(1, "b", Bytes(), t0));
  CHECK(r.counters().refused_too_large == 2);
  CHECK(r.take().empty());

  // Rate: the burst of 3 (one spent above), then one a second.
  CHECK(r.on_signal(1, "b", bytes_of(setup), t0));
  CHECK(r.on_signal(1, "b", bytes_of(setup), t0));
  CHECK_FALSE(r.on_signal(1, "b", bytes_of(setup), t0));
  CHECK(r.counters().refused_rate == 1);
  CHECK(r.on_signal(2, "a", bytes_of(setup), t0));  // the other site has its own budget
  CHECK(r.on_signal(1, "b", bytes_of(setup), t0 + seconds(1)));
  CHECK(r.counters().signals_relayed == 5);
  CHECK(r.take().size() == 4);
}

TEST_CASE("rendezvous: sites beyond the bound are not introduced; a site that left can no longer be reached") {
  RendezvousLimits limits;
  limits.max_sites = 2;
  Rendezvous r(limits);
  r.site_joined(1, "a");
  r.site_joined(2, "b");
  CHECK_FALSE(r.site_joined(3, "c"));
  CHECK(r.counters().refused_sites == 1);
  r.set_rooms(1, {"r"});
  r.set_rooms(3, {"r"});  // not a site here
  CHECK(r.take().empty());
  r.set_rooms(2, {"r"});
  CHECK(r.take().size() == 2);
  r.site_left(2);
  (void)r.take();
  std::vector<uint8_t> p(10, 1);
  CHECK_FALSE(r.on_signal(1, "b", bytes_of(p), t0));
  CHECK_FALSE(r.on_signal(2, "a", bytes_of(p), t0));
  CHECK(r.counters().refused_not_introduced == 1);
  CHECK(r.counters().refused_unauthenticated == 1);
  // One site under two trunks: the second is not a site here.
  CHECK(r.site_joined(4, "c"));
  CHECK_FALSE(r.site_joined(5, "c"));
  CHECK(r.counters().refused_sites == 2);
}
