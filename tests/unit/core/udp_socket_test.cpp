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
