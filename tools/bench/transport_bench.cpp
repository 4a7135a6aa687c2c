// Per-packet cost of rtc::Transport on the forwarding path, without sockets: a controlling
// and a lite transport connected in memory, then for each 1172-byte RTP packet the lite
// (SFU) side takes the encrypted datagram in (on_datagram: source check, SRTP unprotect,
// on_rtp) and sends a copy back out (send_rtp: SRTP protect into the sink). Prints ns per
// packet (median batch). For a count that does not depend on the machine's load:
//   valgrind --tool=callgrind --toggle-collect='*forward_batch*' transport_bench 20000
// (instructions collected / packets).
//   transport_bench [packets=200000]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <vector>

#include "rtc/transport.hpp"
#include "rtp/rtp_builder.hpp"
#include "tls/certificate.hpp"

using namespace umbrella;
using namespace umbrella::rtc;

namespace {

constexpr size_t kPayload = 1172 - 12;

struct Queue : DatagramSink {
  std::deque<std::pair<Packet, SocketAddress>> out;
  uint64_t rtp_sent = 0;
  bool keep = true;  // false: RTP is encrypted and dropped (the socket's part is not measured)
  void send_datagram(Packet packet, const SocketAddress& to) override { out.emplace_back(std::move(packet), to); }
  void send_rtp_datagram(Packet packet, const SocketAddress& to, SendTransform& protect) override {
    if (!protect.apply(packet)) std::abort();
    ++rtp_sent;
    if (keep) out.emplace_back(std::move(packet), to);
  }
  void bind_address(const SocketAddress&) override {}
};

// The SFU side forwards what it receives: the per-subscriber copy goes straight back out.
struct Forwarder : TransportListener {
  PacketPool* pool = nullptr;
  Transport* transport = nullptr;
  uint64_t received = 0;
  void on_rtp(Packet& packet, Instant) override {
    ++received;
    if (transport) transport->send_rtp(pool->copy_of(packet.span()));
  }
  void on_rtcp(Packet&, Instant) override {}
  void on_closed(const std::string& reason) override {
    std::fprintf(stderr, "transport_bench: closed: %s\n", reason.c_str());
    std::exit(1);
  }
};

tls::Certificate make_certificate(const char* name) {
  auto c = tls::Certificate::generate_self_signed(name, {}, {}, 30);
  if (!c) {
    std::fprintf(stderr, "transport_bench: %s\n", c.error().c_str());
    std::exit(1);
  }
  return std::move(*c);
}

// The measured part, on its own so callgrind can count just it (--toggle-collect).
template <typename T>
[[gnu::noinline]] void forward_batch(T& sfu_side, Queue& in, const SocketAddress& from, Instant now) {
  for (auto& [p, to] : in.out) sfu_side.on_datagram(std::move(p), from, now);
}

}  // namespace

int main(int argc, char** argv) {
  long packets = argc > 1 ? std::atol(argv[1]) : 200000;
  tls::Certificate client_cert = make_certificate("client"), server_cert = make_certificate("server");
  PacketPool pool(4096);
  SocketAddress client_addr = *SocketAddress::parse("192.0.2.1:50000");
  SocketAddress server_addr = *SocketAddress::parse("198.51.100.7:40000");
  Queue client_out, server_out;
  Forwarder client_events, server_events;
  ice::Credentials c{"clnt", "client-password-0123456789"}, s{"srvr", "server-password-0123456789"};
  Instant now = Instant{} + seconds(1000);
  TransportConfig cc{c, s, "sha-256 " + server_cert.fingerprint_sha256(), FullIce{{server_addr}, {}}};
  TransportConfig sc{s, c, client_cert.fingerprint_sha256(), LiteIce{}};
  auto client = Transport::create(cc, client_cert, pool, client_out, client_events, now);
  auto server = Transport::create(sc, server_cert, pool, server_out, server_events, now);
  if (!client || !server) return 1;
  Transport& ct = **client;
  Transport& st = **server;

  auto deliver = [&] {
    while (!client_out.out.empty() || !server_out.out.empty()) {
      while (!client_out.out.empty()) {
        auto [p, to] = std::move(client_out.out.front());
        client_out.out.pop_front();
        if (auto msg = stun::parse(p.span())) st.on_stun(*msg, p.span(), client_addr, now);  // as the media port
        else st.on_datagram(std::move(p), client_addr, now);
      }
      while (!server_out.out.empty()) {
        auto [p, to] = std::move(server_out.out.front());
        server_out.out.pop_front();
        ct.on_datagram(std::move(p), server_addr, now);
      }
    }
  };
  for (int i = 0; i < 1000 && !(ct.connected() && st.connected()); ++i) {
    deliver();
    now = std::max(now, std::min(ct.next_deadline(), st.next_deadline()));
    ct.on_timeout(now);
    st.on_timeout(now);
  }
  deliver();
  if (!ct.connected() || !st.connected()) {
    std::fprintf(stderr, "transport_bench: no connection\n");
    return 1;
  }
  server_events.pool = &pool;
  server_events.transport = &st;
  server_out.keep = false;

  // Each batch: the publisher's side encrypts (not timed), then the SFU's side takes the
  // batch in and forwards it (timed).
  constexpr int kBatch = 1000;
  std::vector<uint8_t> payload(kPayload, 0x5a);
  std::vector<double> per_packet;
  uint64_t before = server_events.received;
  for (long done = 0; done < packets;) {
    int n = int(std::min<long>(kBatch, packets - done));
    for (int i = 0; i < n; ++i, ++done) {
      Packet p = pool.acquire();
      rtp::RtpHeader h{false, 96, uint16_t(done), uint32_t(done) * 3000u, 0x1234};
      p.set_size(rtp::write_rtp_packet(MutableBytes(p.data(), p.capacity()), h, {}, payload));
      ct.send_rtp(std::move(p));
    }
    auto start = std::chrono::steady_clock::now();
    forward_batch(st, client_out, client_addr, now);
    auto ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
    client_out.out.clear();
    per_packet.push_back(ns / n);
  }
  uint64_t forwarded = server_events.received - before;
  std::sort(per_packet.begin(), per_packet.end());
  std::printf("transport_bench: %llu packets in, %llu out; median %.0f ns per packet (unprotect + protect)\n",
              (unsigned long long)forwarded, (unsigned long long)server_out.rtp_sent,
              per_packet.empty() ? 0.0 : per_packet[per_packet.size() / 2]);
  return forwarded == server_out.rtp_sent ? 0 : 1;
}
