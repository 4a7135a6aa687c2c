#include <doctest/doctest.h>
#include <poll.h>

#include <array>
#include <cstring>
#include <functional>
#include <set>
#include <thread>
#include <vector>

#include "core/udp_pair.hpp"
#include "core/udp_socket.hpp"

using namespace umbrella;

TEST_CASE("batched UDP send and receive over loopback") {
  auto loop = SocketAddress::parse_ip("127.0.0.1");
  auto a = UdpSocket::bind(*loop, 0, 0);
  auto b = UdpSocket::bind(*loop, 0, 0);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  PacketPool pool(128);
  SocketAddress to = *loop;
  to.set_port(b->local_port());
  for (int i = 0; i < 10; ++i) {
    Packet p = pool.acquire();
    p.data()[0] = uint8_t(i);
    p.set_size(100);
    a->send(p, to);
  }
  CHECK(a->flush());
  CHECK(pool.in_use() == 0);  // the send queue released its references
  pollfd pfd{b->fd(), POLLIN, 0};
  REQUIRE(poll(&pfd, 1, 1000) == 1);
  std::array<Datagram, 64> in;
  size_t total = 0;
  for (int tries = 0; tries < 10 && total < 10; ++tries) {
    size_t n = b->receive_batch(pool, in);
    for (size_t i = 0; i < n; ++i) {
      CHECK(in[i].packet.size() == 100);
      CHECK(in[i].packet.data()[0] == total + i);
      CHECK(in[i].peer.port() == a->local_port());
    }
    total += n;
    for (auto& d : in) d.packet.reset();
    if (total < 10) poll(&pfd, 1, 100);
  }
  CHECK(total == 10);
  CHECK(pool.in_use() == 0);
}

TEST_CASE("binding a busy port range fails with a clear message") {
  auto loop = SocketAddress::parse_ip("127.0.0.1");
  auto a = UdpSocket::bind(*loop, 0, 0);
  REQUIRE(a.ok());
  auto b = UdpSocket::bind(*loop, a->local_port(), a->local_port());
  REQUIRE_FALSE(b.ok());
  CHECK(b.error().find("UMBRELLA_MIN_PORT") != std::string::npos);
}

namespace {

// Stamps each datagram with its own running count, records the thread it ran on, and drops
// every datagram whose first byte is 0xff.
struct Stamp : SendTransform {
  uint32_t applied = 0;
  std::set<std::thread::id> threads;
  bool apply(Packet& p) override {
    threads.insert(std::this_thread::get_id());
    if (p.data()[0] == 0xff) return false;
    uint32_t n = applied++;
    std::memcpy(p.data() + 4, &n, 4);
    return true;
  }
};

}  // namespace

TEST_CASE("send transforms on worker threads: each applied once, in order, one thread per transform") {
  test::UdpPair sockets;
  UdpSocket* a = &sockets.a;
  WorkerPool workers(3);
  a->use_workers(&workers, 256);
  PacketPool pool(2048);
  SocketAddress to = sockets.to_b;
  std::vector<Stamp> stamps(7);
  constexpr int kPerStamp = 60;  // 420 datagrams: one full queue, then a partial one
  size_t dropped_expected = 0;
  for (int i = 0; i < kPerStamp; ++i) {
    for (uint8_t s = 0; s < stamps.size(); ++s) {
      Packet p = pool.acquire();
      REQUIRE(p);
      bool drop = s == 3 && i % 10 == 0;
      dropped_expected += drop;
      p.data()[0] = drop ? 0xff : s;
      p.set_size(64);
      a->send(p, to, &stamps[s]);
    }
  }
  CHECK(a->flush());
  CHECK(pool.in_use() == 0);
  for (auto& s : stamps) CHECK(s.threads.size() == 1);
  std::set<std::thread::id> all;
  for (auto& s : stamps) all.insert(*s.threads.begin());
  CHECK(all.size() == 3);  // 7 transforms spread over all three threads

  std::vector<std::vector<uint32_t>> seen(stamps.size());
  size_t want = stamps.size() * kPerStamp - dropped_expected;
  size_t got = sockets.receive(pool, want, [&](Packet& p) {
    uint32_t n;
    std::memcpy(&n, p.data() + 4, 4);
    REQUIRE(p.data()[0] < stamps.size());
    seen[p.data()[0]].push_back(n);
  });
  CHECK(got == want);
  for (size_t s = 0; s < stamps.size(); ++s) {
    CHECK(stamps[s].applied == seen[s].size());
    for (size_t k = 0; k < seen[s].size(); ++k) CHECK(seen[s][k] == k);  // in queue order
  }
  CHECK(a->counters().sent == want);
}

TEST_CASE("a short flush stays on the calling thread") {
  test::UdpPair sockets;
  UdpSocket* a = &sockets.a;
  WorkerPool workers(2);
  a->use_workers(&workers, 256);
  PacketPool pool(64);
  SocketAddress to = sockets.to_b;
  std::vector<Stamp> stamps(4);
  for (auto& s : stamps) {
    Packet p = pool.acquire();
    p.data()[0] = 1;
    p.set_size(16);
    a->send(p, to, &s);
  }
  CHECK(a->flush());
  for (auto& s : stamps) CHECK(s.threads == std::set<std::thread::id>{std::this_thread::get_id()});
  CHECK(sockets.receive(pool, 4, [](Packet&) {}) == 4);
}

namespace {
// Waits for and reads one batch; the datagrams' peers in arrival order.
std::vector<SocketAddress> receive_peers(UdpSocket& s, PacketPool& pool, size_t want) {
  std::vector<SocketAddress> peers;
  pollfd pfd{s.fd(), POLLIN, 0};
  std::array<Datagram, 64> in;
  while (peers.size() < want && poll(&pfd, 1, 1000) == 1) {
    size_t n = s.receive_batch(pool, in);
    for (size_t i = 0; i < n; ++i) peers.push_back(in[i].peer);
    for (auto& d : in) d.packet.reset();
  }
  return peers;
}
}  // namespace

TEST_CASE("a socket on :: is dual stack: IPv4 and IPv6 peers in one batch, both ways") {
  auto dual = UdpSocket::bind(*SocketAddress::parse_ip("::"), 0, 0);
  REQUIRE(dual.ok());
  auto v4 = UdpSocket::bind(*SocketAddress::parse_ip("127.0.0.1"), 0, 0);
  auto v6 = UdpSocket::bind(*SocketAddress::parse_ip("::1"), 0, 0);
  REQUIRE(v4.ok());
  if (!dual->dual_stack() || !v6.ok()) {  // a kernel without IPv6: "::" fell back to IPv4
    CHECK_FALSE(dual->ipv6());
    MESSAGE("no IPv6 on this machine: the dual-stack case is not checked");
    return;
  }
  CHECK_FALSE(v6->dual_stack());
  CHECK(dual->reaches(*SocketAddress::parse("127.0.0.1:1")));
  CHECK(dual->reaches(*SocketAddress::parse("[::1]:1")));
  CHECK_FALSE(v4->reaches(*SocketAddress::parse("[::1]:1")));
  CHECK_FALSE(v6->reaches(*SocketAddress::parse("127.0.0.1:1")));
  PacketPool pool(64);
  auto send_one = [&pool](UdpSocket& from, SocketAddress to) {
    Packet p = pool.acquire();
    p.set_size(20);
    from.send(std::move(p), to);
    CHECK(from.flush());
  };
  send_one(*v4, *SocketAddress::parse("127.0.0.1:" + std::to_string(dual->local_port())));
  send_one(*v6, *SocketAddress::parse("[::1]:" + std::to_string(dual->local_port())));
  auto peers = receive_peers(*dual, pool, 2);
  REQUIRE(peers.size() == 2);
  // The IPv4 peer is plain IPv4 (not ::ffff:127.0.0.1), so it keys the same demux entry as
  // on an IPv4 socket.
  std::set<std::string> seen{peers[0].to_string(), peers[1].to_string()};
  CHECK(seen == std::set<std::string>{"127.0.0.1:" + std::to_string(v4->local_port()),
                                      "[::1]:" + std::to_string(v6->local_port())});
  // Replies to both go out in one sendmmsg batch.
  for (auto& to : peers) {
    Packet p = pool.acquire();
    p.set_size(30);
    dual->send(std::move(p), to);
  }
  CHECK(dual->flush());
  CHECK(dual->counters().sent == 2);
  CHECK(receive_peers(*v4, pool, 1).size() == 1);
  CHECK(receive_peers(*v6, pool, 1).size() == 1);
  CHECK(pool.in_use() == 0);
}

TEST_CASE("an IPv4 socket refuses an IPv6 destination: dropped and counted, the batch goes on") {
  auto a = UdpSocket::bind(*SocketAddress::parse_ip("127.0.0.1"), 0, 0);
  auto b = UdpSocket::bind(*SocketAddress::parse_ip("127.0.0.1"), 0, 0);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  PacketPool pool(16);
  Packet bad = pool.acquire();
  bad.set_size(10);
  a->send(std::move(bad), *SocketAddress::parse("[::1]:9"));
  Packet good = pool.acquire();
  good.set_size(10);
  a->send(std::move(good), *SocketAddress::parse("127.0.0.1:" + std::to_string(b->local_port())));
  CHECK(a->flush());
  CHECK(a->counters().send_dropped == 1);
  CHECK(a->counters().sent == 1);
  CHECK(receive_peers(*b, pool, 1).size() == 1);
}
