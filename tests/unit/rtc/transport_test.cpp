// rtc::Transport with its two ICE agents against each other: what is the same whichever
// side runs which agent (closing, the DTLS source check, media loss) and what the lite side
// does alone (following an address change). call_test.cpp has the call from start to end.
#include <doctest/doctest.h>

#include "call_pair.hpp"

namespace umbrella::rtc::test {

TEST_CASE("transport: one class, the ICE agent as its only variant") {
  CallPair call;
  CHECK(call.client->controlling());
  CHECK_FALSE(call.server->controlling());
  for (Transport* t : {call.client.get(), call.server.get()}) {
    CHECK(std::string(t->ice_state()) == "new");
    CHECK(std::string(t->dtls_state()) == "new");
    CHECK_FALSE(t->remote_address());
    CHECK_FALSE(t->connected());
    auto [p, plain] = make_rtp(call.pool, 1, 1);
    CHECK_FALSE(t->send_rtp(std::move(p)));  // nowhere to send yet
    CHECK_FALSE(t->send_rtcp(Bytes(kReceiverReport, sizeof kReceiverReport)));
  }
  REQUIRE(call.connect());
  CHECK(std::string(call.server->ice_state()) == "connected");
  CHECK(std::string(call.server->dtls_state()) == "connected");
  REQUIRE(call.server->remote_address());
  CHECK(*call.server->remote_address() == call.client_address);
  REQUIRE(call.server_out.bound);
  CHECK(*call.server_out.bound == call.client_address);
}

TEST_CASE("transport: the lite side shuts down; the controlling side hears close_notify") {
  CallPair call;
  REQUIRE(call.connect());
  call.server->shutdown();
  call.deliver();
  REQUIRE(call.server_events.closed);
  CHECK(*call.server_events.closed == "closed locally");
  REQUIRE(call.client_events.closed);
  CHECK(*call.client_events.closed == "DTLS closed by peer");
  for (Transport* t : {call.client.get(), call.server.get()}) {
    CHECK(t->closed());
    CHECK_FALSE(t->connected());
    CHECK(t->next_deadline() == kNever);
    auto [p, plain] = make_rtp(call.pool, 2, 2);
    CHECK_FALSE(t->send_rtp(std::move(p)));
  }
  // A closed transport takes nothing in and says nothing more.
  auto [p, plain] = make_rtp(call.pool, 3, 3);
  call.server->on_datagram(std::move(p), call.client_address, call.now);
  CHECK(call.server->counters().srtp_auth_failed == 0);
  CHECK(call.server_events.rtp.empty());
  call.client->shutdown();
  CHECK(*call.client_events.closed == "DTLS closed by peer");  // on_closed was heard once
  CHECK(call.client_out.queue.empty());
  CHECK(call.pool.in_use() == 0);
}

TEST_CASE("transport: DTLS from an address ICE did not select is dropped and counted") {
  CallPair call;
  // The client's ClientHello, delivered from elsewhere than the pair the server selected.
  SocketAddress stranger = *SocketAddress::parse("203.0.113.9:1234");
  call.filter = [&](bool to_server, const Packet& p) {
    if (!to_server || p.size() == 0 || p.data()[0] != 22 || call.server->counters().not_selected_source) return true;
    call.server->on_datagram(call.pool.copy_of(p.span()), stranger, call.now);
    return true;
  };
  REQUIRE(call.connect());
  CHECK(call.server->counters().not_selected_source == 1);
  CHECK(call.server_out.queue.empty());  // nothing went to the stranger
  CHECK(*call.server->remote_address() == call.client_address);

  // Media is authenticated by SRTP, not by its source: a stranger's forgery fails there.
  auto [p, plain] = make_rtp(call.pool, 5, 100);
  call.server->on_datagram(std::move(p), stranger, call.now);
  CHECK(call.server_events.rtp.empty());
  CHECK(call.server->counters().srtp_auth_failed == 1);
}

TEST_CASE("transport: media over a lossy path arrives intact, without failures") {
  CallPair call;
  REQUIRE(call.connect());
  int n = 0;
  call.filter = [&](bool, const Packet&) { return ++n % 5 != 0; };  // every fifth lost
  std::vector<std::vector<uint8_t>> up, down;
  for (uint16_t seq = 1; seq <= 100; ++seq) {
    auto [a, plain_a] = make_rtp(call.pool, 0xA, seq);
    auto [b, plain_b] = make_rtp(call.pool, 0xB, seq);
    REQUIRE(call.client->send_rtp(std::move(a)));
    REQUIRE(call.server->send_rtp(std::move(b)));
    call.deliver();  // one client and one server packet per round: the fifth ones alternate
    up.push_back(plain_a);
    down.push_back(plain_b);
  }
  CHECK(call.dropped == 40);
  CHECK(call.server_events.rtp.size() + call.client_events.rtp.size() == 160);
  // Whatever arrived is exactly what was sent, in order.
  auto subsequence = [](const auto& got, const auto& sent) {
    size_t i = 0;
    for (auto& g : got) {
      while (i < sent.size() && sent[i] != g) ++i;
      if (i++ == sent.size()) return false;
    }
    return true;
  };
  CHECK(subsequence(call.server_events.rtp, up));
  CHECK(subsequence(call.client_events.rtp, down));
  for (Transport* t : {call.client.get(), call.server.get()}) {
    CHECK(t->counters().srtp_auth_failed == 0);
    CHECK(t->counters().srtp_other_failed == 0);
    CHECK(t->counters().srtp_replayed == 0);
  }
  call.filter = nullptr;
  call.run_until([] { return false; }, seconds(40));  // lost media does not end consent
  CHECK(call.client->connected());
  CHECK(call.server->connected());
}

TEST_CASE("transport: the lite side follows the controlling side to a new address") {
  CallPair call;
  REQUIRE(call.connect());
  SocketAddress old_address = call.client_address;
  call.client_address = *SocketAddress::parse("192.0.2.1:50002");  // NAT rebinding
  // Media from the new address is authentic, so it counts before ICE has moved; what the
  // server sends still goes to the old address.
  auto [p, plain] = make_rtp(call.pool, 6, 1);
  auto [down, plain_down] = make_rtp(call.pool, 7, 100);
  REQUIRE(call.client->send_rtp(std::move(p)));
  REQUIRE(call.server->send_rtp(std::move(down)));
  size_t dropped = call.dropped;
  call.deliver();
  REQUIRE(call.server_events.rtp.size() == 1);
  CHECK(call.server_events.rtp[0] == plain);
  CHECK(call.dropped == dropped + 1);  // to the old address: lost
  CHECK(call.client_events.rtp.empty());
  // The next consent check nominates again, from the new address.
  REQUIRE(call.run_until([&] { return call.server->remote_address() != old_address; }, seconds(10)));
  CHECK(*call.server->remote_address() == call.client_address);
  CHECK(*call.server_out.bound == call.client_address);
  auto [q, plain_q] = make_rtp(call.pool, 6, 2);
  auto [r, plain_r] = make_rtp(call.pool, 7, 1);
  REQUIRE(call.client->send_rtp(std::move(q)));
  REQUIRE(call.server->send_rtp(std::move(r)));  // to the new address, or deliver() drops it
  call.deliver();
  REQUIRE(call.server_events.rtp.size() == 2);
  CHECK(call.server_events.rtp[1] == plain_q);
  REQUIRE(call.client_events.rtp.size() == 1);
  CHECK(call.client_events.rtp[0] == plain_r);
  CHECK(call.client_events.connected == 1);
  CHECK(call.server_events.connected == 1);
}

}  // namespace umbrella::rtc::test
