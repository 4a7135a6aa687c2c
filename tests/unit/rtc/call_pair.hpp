// A whole call without a network (str0m style): two rtc::Transports in one process, the
// client's with the controlling ICE agent (as a trunk dialler or the load generator), the
// server's ICE-lite (as the SFU toward a browser); datagrams shuttled between two in-memory
// sinks, time advanced by hand from deadline to deadline. A filter can drop datagrams.
// The server is fed as the media port feeds it (STUN parsed, through on_stun), the client
// as the load generator feeds it (every datagram through on_datagram).
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/packet_pool.hpp"
#include "core/time.hpp"
#include "rtc/transport.hpp"
#include "rtp/rtp_builder.hpp"
#include "stun/message.hpp"
#include "tls/certificate.hpp"

namespace umbrella::rtc::test {

inline tls::Certificate& certificate(int which) {
  auto make = [](const char* name) {
    auto c = tls::Certificate::generate_self_signed(name, {}, {}, 30);
    if (!c.ok()) FAIL(c.error());  // not REQUIRE_MESSAGE: -s would read error() of a value
    return std::move(c).value();
  };
  static tls::Certificate client = make("client"), server = make("server"), other = make("other");
  return which == 0 ? client : which == 1 ? server : other;
}

// Builds an RTP packet in a pool packet and returns it with its plaintext copy.
inline std::pair<Packet, std::vector<uint8_t>> make_rtp(PacketPool& pool, uint32_t ssrc, uint16_t seq) {
  Packet p = pool.acquire();
  REQUIRE(p);
  uint8_t payload[100];
  for (size_t i = 0; i < sizeof payload; ++i) payload[i] = uint8_t(seq + i);
  rtp::RtpHeader h{seq % 2 == 0, 96, seq, uint32_t(seq) * 3000u, ssrc};
  size_t n = rtp::write_rtp_packet(MutableBytes(p.data(), p.capacity()), h, {}, Bytes(payload, sizeof payload));
  REQUIRE(n > 0);
  p.set_size(n);
  return {p, std::vector<uint8_t>(p.data(), p.data() + n)};
}

inline constexpr uint8_t kReceiverReport[] = {0x80, 201, 0x00, 0x01, 0x11, 0x22, 0x33, 0x44};

struct Sink : DatagramSink {
  std::deque<std::pair<Packet, SocketAddress>> queue;
  std::optional<SocketAddress> bound;
  void send_datagram(Packet packet, const SocketAddress& to) override { queue.emplace_back(std::move(packet), to); }
  void bind_address(const SocketAddress& address) override { bound = address; }
};

struct Recorder : TransportListener {
  int connected = 0;
  std::vector<std::vector<uint8_t>> rtp, rtcp;
  std::optional<std::string> closed;
  Instant closed_at{};
  Instant* clock = nullptr;
  void on_connected(Instant) override { ++connected; }
  void on_rtp(Packet& p, Instant) override { rtp.emplace_back(p.data(), p.data() + p.size()); }
  void on_rtcp(Packet& p, Instant) override { rtcp.emplace_back(p.data(), p.data() + p.size()); }
  void on_closed(const std::string& reason) override {
    closed = reason;
    if (clock) closed_at = *clock;
  }
};

struct CallPair {
  PacketPool pool{512};
  SocketAddress client_address = *SocketAddress::parse("192.0.2.1:50000");
  SocketAddress server_address = *SocketAddress::parse("198.51.100.7:40000");
  Sink client_out, server_out;
  Recorder client_events, server_events;
  std::unique_ptr<Transport> client;  // controlling ICE, DTLS client
  std::unique_ptr<Transport> server;  // ICE-lite, DTLS server
  Instant start = Instant{} + seconds(1000);
  Instant now = start;
  // Return false to drop; `to_server` says the direction.
  std::function<bool(bool to_server, const Packet&)> filter;
  Instant last_to_server{};  // when the server last got a datagram
  size_t delivered = 0, dropped = 0;

  explicit CallPair(std::string client_expects = "") {
    client_events.clock = server_events.clock = &now;
    ice::Credentials c{"clnt", "client-password-0123456789"}, s{"srvr", "server-password-0123456789"};
    if (client_expects.empty()) client_expects = "sha-256 " + certificate(1).fingerprint_sha256();
    FullIce ice{{server_address}, {}};
    ice.agent.tie_breaker = 0x1234;
    TransportConfig cc{c, s, client_expects, ice};
    auto ct = Transport::create(cc, certificate(0), pool, client_out, client_events, now);
    if (!ct.ok()) FAIL(ct.error());
    client = std::move(ct).value();
    TransportConfig sc{s, c, certificate(0).fingerprint_sha256(), LiteIce{}};
    auto st = Transport::create(sc, certificate(1), pool, server_out, server_events, now);
    if (!st.ok()) FAIL(st.error());
    server = std::move(st).value();
  }

  // Delivers everything queued, in both directions, until both queues are empty.
  void deliver() {
    while (!client_out.queue.empty() || !server_out.queue.empty()) {
      while (!client_out.queue.empty()) {
        auto [p, to] = std::move(client_out.queue.front());
        client_out.queue.pop_front();
        if (!(to == server_address) || (filter && !filter(true, p))) {
          ++dropped;
          continue;
        }
        ++delivered;
        last_to_server = now;
        if (stun::looks_like_stun(p.span())) {
          auto msg = stun::parse(p.span());
          if (msg) server->on_stun(*msg, p.span(), client_address, now);
        } else {
          server->on_datagram(std::move(p), client_address, now);
        }
      }
      while (!server_out.queue.empty()) {
        auto [p, to] = std::move(server_out.queue.front());
        server_out.queue.pop_front();
        if (!(to == client_address) || (filter && !filter(false, p))) {
          ++dropped;
          continue;
        }
        ++delivered;
        client->on_datagram(std::move(p), server_address, now);
      }
    }
  }

  // Moves time to the earlier deadline and fires it. False when neither has one.
  bool step() {
    deliver();
    Instant next = std::min(client->next_deadline(), server->next_deadline());
    if (next == kNever) return false;
    now = std::max(now, next);
    if (client->next_deadline() <= now) client->on_timeout(now);
    if (server->next_deadline() <= now) server->on_timeout(now);
    deliver();
    return true;
  }

  bool run_until(const std::function<bool()>& done, Duration limit) {
    Instant end = now + limit;
    while (!done() && now < end)
      if (!step()) break;
    return done();
  }

  // 40 s more of consent checks keep the call up; then the client's close_notify ends it.
  void check_lasts_until_client_closes() {
    run_until([] { return false; }, seconds(40));
    CHECK(server->connected());
    client->shutdown();
    deliver();
    REQUIRE(server_events.closed);
    CHECK(*server_events.closed == "DTLS closed by peer");
  }

  bool connect(Duration limit = seconds(5)) {
    return run_until([&] { return client->connected() && server->connected(); }, limit);
  }
};

}  // namespace umbrella::rtc::test
