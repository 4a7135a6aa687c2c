// Two UDP sockets on 127.0.0.1, `a` sending to `b`: the rig of the send-path tests.
#pragma once

#include <doctest/doctest.h>
#include <poll.h>

#include <array>
#include <functional>

#include "core/udp_socket.hpp"

namespace umbrella::test {

struct UdpPair {
  UdpSocket a, b;
  SocketAddress to_b;

  UdpPair() {
    auto lo = *SocketAddress::parse_ip("127.0.0.1");
    auto sa = UdpSocket::bind(lo, 0, 0);
    auto sb = UdpSocket::bind(lo, 0, 0);
    REQUIRE(sa.ok());
    REQUIRE(sb.ok());
    a = std::move(*sa);
    b = std::move(*sb);
    to_b = lo;
    to_b.set_port(b.local_port());
  }

  // Reads what reaches b, calling each() per datagram, until `want` or a 1 s silence.
  size_t receive(PacketPool& pool, size_t want, const std::function<void(Packet&)>& each) {
    pollfd pfd{b.fd(), POLLIN, 0};
    std::array<Datagram, 64> in;
    size_t total = 0;
    while (total < want && poll(&pfd, 1, 1000) == 1) {
      size_t n = b.receive_batch(pool, in);
      for (size_t i = 0; i < n; ++i) each(in[i].packet);
      total += n;
      for (auto& d : in) d.packet.reset();
    }
    return total;
  }
};

}  // namespace umbrella::test
