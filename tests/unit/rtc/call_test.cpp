#include <doctest/doctest.h>

#include <cstring>

#include "call_pair.hpp"
#include "sctp/stack.hpp"

namespace umbrella::rtc::test {

TEST_CASE("client and server transports: ICE, DTLS, then SRTP both ways") {
  CallPair call;
  CHECK(call.client->next_deadline() == call.now);  // first check due at once
  REQUIRE(call.connect());
  CHECK(call.client_events.connected == 1);
  CHECK(call.server_events.connected == 1);
  CHECK(std::string(call.client->ice_state()) == "connected");
  CHECK(std::string(call.client->dtls_state()) == "connected");
  REQUIRE(call.client_out.bound);
  CHECK(*call.client_out.bound == call.server_address);
  CHECK(*call.client->remote_address() == call.server_address);

  std::vector<std::vector<uint8_t>> up, down;
  for (uint16_t seq = 1; seq <= 20; ++seq) {
    auto [a, plain_a] = make_rtp(call.pool, 0xAAAA0001, seq);
    auto [b, plain_b] = make_rtp(call.pool, 0xBBBB0002, uint16_t(seq + 1000));
    REQUIRE(call.client->send_rtp(std::move(a)));
    REQUIRE(call.server->send_rtp(std::move(b)));
    up.push_back(plain_a);
    down.push_back(plain_b);
  }
  REQUIRE(call.client->send_rtcp(Bytes(kReceiverReport, sizeof kReceiverReport)));
  REQUIRE(call.server->send_rtcp(Bytes(kReceiverReport, sizeof kReceiverReport)));
  call.deliver();
  CHECK(call.server_events.rtp == up);
  CHECK(call.client_events.rtp == down);
  std::vector<uint8_t> rr(kReceiverReport, kReceiverReport + sizeof kReceiverReport);
  REQUIRE(call.server_events.rtcp.size() == 1);
  REQUIRE(call.client_events.rtcp.size() == 1);
  CHECK(call.server_events.rtcp[0] == rr);
  CHECK(call.client_events.rtcp[0] == rr);
  CHECK(call.client->counters().rtp_out == 20);
  CHECK(call.client->counters().rtp_in == 20);
  CHECK(call.client->counters().rtcp_in == 1);
  CHECK(call.server->counters().srtp_auth_failed == 0);

  // Consent keeps the call up well past 30 s while both sides are live.
  call.run_until([] { return false; }, seconds(95));
  CHECK(call.client->connected());
  CHECK(call.server->connected());
  CHECK_FALSE(call.client_events.closed);
  CHECK_FALSE(call.server_events.closed);
  CHECK(call.pool.in_use() == 0);
}

TEST_CASE("client transport connects with 30% of handshake datagrams dropped") {
  // The same 30% pattern at every phase, so each handshake flight meets losses somewhere.
  for (uint64_t phase = 0; phase < 10; ++phase) {
    CAPTURE(phase);
    CallPair call;
    uint64_t n = phase;
    call.filter = [&](bool, const Packet&) { return ++n % 10 % 3 != 1; };  // drops 1, 4, 7 of every 10
    REQUIRE(call.connect(seconds(30)));
    CHECK(call.dropped * 10 >= call.delivered * 3);
    CHECK(call.now > call.start + milliseconds(500));  // it took retransmissions
    call.filter = nullptr;
    auto [p, plain] = make_rtp(call.pool, 1, 1);
    REQUIRE(call.client->send_rtp(std::move(p)));
    call.deliver();
    REQUIRE(call.server_events.rtp.size() == 1);
    CHECK(call.server_events.rtp[0] == plain);
  }
}

TEST_CASE("client transport: a wrong server fingerprint fails DTLS with a reason") {
  CallPair call("sha-256 " + certificate(2).fingerprint_sha256());
  REQUIRE(call.run_until([&] { return call.client->closed(); }, seconds(40)));
  REQUIRE(call.client_events.closed);
  CHECK(call.client_events.closed->find("DTLS failed") != std::string::npos);
  CHECK(call.client_events.closed->find("fingerprint") != std::string::npos);
  CHECK_FALSE(call.client->connected());
  CHECK(call.client_events.connected == 0);
  CHECK(call.server_events.connected == 0);
  CHECK(call.client->next_deadline() == kNever);
}

TEST_CASE("client transport: ICE fails when no candidate answers") {
  CallPair call;
  call.filter = [](bool, const Packet&) { return false; };
  REQUIRE(call.run_until([&] { return call.client->closed(); }, seconds(60)));
  CHECK(call.client_events.closed->find("ICE failed") != std::string::npos);
  CHECK(std::string(call.client->ice_state()) == "failed");
}

TEST_CASE("server closes 30 s after a connected client goes silent") {
  CallPair call;
  REQUIRE(call.connect());
  call.deliver();
  Instant silent_since = call.last_to_server;
  // Only the server's clock runs now: the client neither sends nor answers.
  while (!call.server->closed() && call.now < silent_since + seconds(60)) {
    call.now = std::max(call.now, call.server->next_deadline());
    call.server->on_timeout(call.now);
    call.server_out.queue.clear();
  }
  REQUIRE(call.server_events.closed);
  CHECK(call.server_events.closed->find("consent") != std::string::npos);
  CHECK(call.server_events.closed_at >= silent_since + seconds(30));
  CHECK(call.server_events.closed_at < silent_since + seconds(31));
  CHECK_FALSE(call.client_events.closed);
}

TEST_CASE("server keeps a client that sends media but no checks, and closes 30 s after the media stops") {
  // GStreamer's webrtcbin (libnice) sends no STUN once its pair is nominated while media flows;
  // a WHIP publisher was cut after 30 s. Authenticated SRTP counts as the peer being there.
  CallPair call;
  REQUIRE(call.connect());
  call.deliver();
  call.filter = [](bool to_server, const Packet& p) { return !to_server || !stun::looks_like_stun(p.span()); };
  Instant begin = call.now;
  uint16_t seq = 1;
  while (call.now < begin + seconds(90)) {  // only the server's timers run: the client checks nothing
    call.now += milliseconds(100);
    auto [p, plain] = make_rtp(call.pool, 7, seq++);
    REQUIRE(call.client->send_rtp(std::move(p)));
    call.deliver();
    if (call.server->next_deadline() <= call.now) call.server->on_timeout(call.now);
    call.server_out.queue.clear();
  }
  CHECK_FALSE(call.server_events.closed);
  CHECK(call.server_events.rtp.size() == 900);
  Instant silent = call.now;
  while (!call.server->closed() && call.now < silent + seconds(60)) {
    call.now = std::max(call.now, call.server->next_deadline());
    call.server->on_timeout(call.now);
  }
  REQUIRE(call.server_events.closed);
  CHECK(call.server_events.closed->find("consent") != std::string::npos);
  CHECK(call.server_events.closed_at >= silent + seconds(30));
  CHECK(call.server_events.closed_at < silent + seconds(31));
}

TEST_CASE("client transport: its consent expires when the server goes silent") {
  CallPair call;
  REQUIRE(call.connect());
  call.filter = [](bool to_server, const Packet&) { return to_server; };  // responses lost
  Instant silent_since = call.now;
  REQUIRE(call.run_until([&] { return call.client->closed(); }, seconds(60)));
  CHECK(call.client_events.closed->find("consent") != std::string::npos);
  CHECK(call.client_events.closed_at >= silent_since + seconds(25));
}

TEST_CASE("a replayed SRTP packet is counted and dropped") {
  CallPair call;
  REQUIRE(call.connect());
  auto [p, plain] = make_rtp(call.pool, 7, 42);
  REQUIRE(call.client->send_rtp(std::move(p)));
  REQUIRE(call.client_out.queue.size() == 1);
  Packet replay = call.pool.copy_of(call.client_out.queue.front().first.span());
  call.deliver();
  call.server->on_datagram(std::move(replay), call.client_address, call.now);
  CHECK(call.server_events.rtp.size() == 1);
  CHECK(call.server->counters().rtp_in == 1);
  CHECK(call.server->counters().srtp_replayed == 1);

  // And toward the client.
  auto [q, plain_q] = make_rtp(call.pool, 8, 43);
  REQUIRE(call.server->send_rtp(std::move(q)));
  Packet replay_down = call.pool.copy_of(call.server_out.queue.front().first.span());
  call.deliver();
  call.client->on_datagram(std::move(replay_down), call.server_address, call.now);
  CHECK(call.client_events.rtp.size() == 1);
  CHECK(call.client->counters().srtp_replayed == 1);
}

TEST_CASE("client transport: media before DTLS and from a stranger is not delivered") {
  CallPair call;
  auto [p, plain] = make_rtp(call.pool, 9, 1);
  call.client->on_datagram(std::move(p), call.server_address, call.now);  // no keys yet: dropped
  REQUIRE(call.connect());
  auto [q, plain_q] = make_rtp(call.pool, 9, 2);
  call.client->on_datagram(std::move(q), *SocketAddress::parse("203.0.113.9:1234"), call.now);
  auto [r, plain_r] = make_rtp(call.pool, 9, 3);
  call.client->on_datagram(std::move(r), call.server_address, call.now);  // plaintext: auth fails
  CHECK(call.client_events.rtp.empty());
  CHECK(call.client->counters().media_before_dtls == 1);
  // Both the stranger's and the plaintext one fail SRTP authentication.
  CHECK(call.client->counters().srtp_auth_failed + call.client->counters().srtp_other_failed == 2);
}

TEST_CASE("media from the peer releases each side's DTLS session; close_notify still ends the call") {
  CallPair call;
  REQUIRE(call.connect());
  CHECK_FALSE(call.server->dtls_session_released());  // nothing heard from the peer yet
  CHECK_FALSE(call.client->dtls_session_released());
  REQUIRE(call.client->send_rtcp(Bytes(kReceiverReport, sizeof kReceiverReport)));
  call.deliver();
  CHECK(call.server->dtls_session_released());  // the client's SRTCP: it has our Finished
  CHECK_FALSE(call.client->dtls_session_released());
  auto [p, plain] = make_rtp(call.pool, 0xBBBB0002, 7);
  REQUIRE(call.server->send_rtp(std::move(p)));
  call.deliver();
  CHECK(call.client->dtls_session_released());
  CHECK(std::string(call.server->dtls_state()) == "connected");
  REQUIRE(call.client_events.rtp.size() == 1);
  CHECK(call.client_events.rtp[0] == plain);
  // No data channels once released (server/peer.cpp refuses a re-offer's m=application then).
  auto stack = sctp::Stack::create(call.now);
  REQUIRE(stack.ok());
  CHECK_FALSE(call.server->enable_data_channels(**stack, {}).ok());
  CHECK_FALSE(call.server->data_channels_enabled());
  // The client's close_notify, sealed with the kept keys, still ends it.
  call.check_lasts_until_client_closes();
}

TEST_CASE("a transport with data channels keeps its DTLS session when media flows") {
  auto stack = sctp::Stack::create(Instant{} + seconds(1000));  // outlives the association
  REQUIRE(stack.ok());
  CallPair call;
  REQUIRE(call.server->enable_data_channels(**stack, {}).ok());
  REQUIRE(call.connect());
  REQUIRE(call.client->send_rtcp(Bytes(kReceiverReport, sizeof kReceiverReport)));
  call.deliver();
  REQUIRE(call.server_events.rtcp.size() == 1);
  CHECK_FALSE(call.server->dtls_session_released());
}

TEST_CASE("client transport shutdown sends close_notify; the server closes") {
  CallPair call;
  REQUIRE(call.connect());
  call.client->shutdown();
  call.deliver();
  REQUIRE(call.client_events.closed);
  CHECK(*call.client_events.closed == "closed locally");
  REQUIRE(call.server_events.closed);
  CHECK(*call.server_events.closed == "DTLS closed by peer");
  CHECK_FALSE(call.client->send_rtcp(Bytes(kReceiverReport, sizeof kReceiverReport)));
}

TEST_CASE("client transport: no remote candidate is refused") {
  PacketPool pool(4);
  Sink sink;
  Recorder events;
  TransportConfig config{{"a", "b"}, {"c", "d"}, certificate(1).fingerprint_sha256(), FullIce{}};
  auto t = Transport::create(config, certificate(0), pool, sink, events, Instant{});
  REQUIRE_FALSE(t.ok());
  CHECK(t.error() == "no remote candidate");
}

}  // namespace umbrella::rtc::test
