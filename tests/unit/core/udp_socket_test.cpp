#include <doctest/doctest.h>
#include <poll.h>

#include <array>

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
