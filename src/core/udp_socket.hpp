// A non-blocking UDP socket with batched I/O: recvmmsg into pooled packets and a send
// queue flushed with sendmmsg. The only UDP code in the server.
#pragma once

#include <netinet/in.h>

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/packet_pool.hpp"
#include "core/result.hpp"
#include "core/socket_address.hpp"

namespace umbrella {

struct Datagram {
  Packet packet;
  SocketAddress peer;
};

struct UdpCounters {
  uint64_t received = 0;
  uint64_t sent = 0;
  uint64_t send_dropped = 0;  // queue full or kernel refused
  uint64_t receive_pool_exhausted = 0;
};

class UdpSocket {
 public:
  static constexpr size_t kBatch = 64;

  UdpSocket() = default;
  ~UdpSocket();
  UdpSocket(UdpSocket&& o) noexcept;
  UdpSocket& operator=(UdpSocket&& o) noexcept;

  // Binds the first free port in [min_port, max_port] on `ip` (port 0 = any).
  static Result<UdpSocket, std::string> bind(const SocketAddress& ip, uint16_t min_port, uint16_t max_port);

  int fd() const { return fd_; }
  uint16_t local_port() const { return port_; }

  // Receives up to out.size() datagrams (at most kBatch) without blocking; returns the count.
  size_t receive_batch(PacketPool& pool, std::span<Datagram> out);

  // Queues a datagram; sent by flush() (called automatically when the queue reaches kBatch).
  // The packet is held by reference until sent: no copy.
  void send(Packet packet, const SocketAddress& to);
  // Sends queued datagrams; returns true when the queue is empty afterwards.
  bool flush();
  bool has_pending() const { return queued_ > 0; }
  const UdpCounters& counters() const { return counters_; }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
  UdpCounters counters_;
  // Send queue: fixed arrays, no allocation per packet.
  size_t queued_ = 0;
  std::array<Packet, kBatch> out_packets_;
  std::array<sockaddr_storage, kBatch> out_addrs_;
  std::array<socklen_t, kBatch> out_addr_lens_;
};

}  // namespace umbrella
