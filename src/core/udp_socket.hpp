// A non-blocking UDP socket with batched I/O: recvmmsg into pooled packets and a send
// queue flushed with sendmmsg, optionally spread over a WorkerPool together with each
// datagram's last step (SRTP protect). The only UDP code in the server.
#pragma once

#include <netinet/in.h>

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/delay_histogram.hpp"
#include "core/bytes.hpp"
#include "core/packet_pool.hpp"
#include "core/result.hpp"
#include "core/send_transform.hpp"
#include "core/socket_address.hpp"
#include "core/worker_pool.hpp"

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

// Now, on the clock of Packet::received_ns() (the kernel's receive timestamps).
int64_t receive_clock_now_ns();

class UdpSocket {
 public:
  static constexpr size_t kBatch = 64;

  UdpSocket() = default;
  ~UdpSocket();
  UdpSocket(UdpSocket&& o) noexcept;
  UdpSocket& operator=(UdpSocket&& o) noexcept;

  // Binds the first free port in [min_port, max_port] on `ip` (port 0 = any). "::" is dual
  // stack (IPv4 peers too, as ::ffff:a.b.c.d on the wire, plain IPv4 in SocketAddress); on a
  // kernel without IPv6 it falls back to 0.0.0.0.
  static Result<UdpSocket, std::string> bind(const SocketAddress& ip, uint16_t min_port, uint16_t max_port);

  int fd() const { return fd_; }
  uint16_t local_port() const { return port_; }
  // An AF_INET6 socket: reaches IPv6 peers (and IPv4 ones too when dual_stack()).
  bool ipv6() const { return ipv6_; }
  bool dual_stack() const { return dual_stack_; }
  bool reaches(const SocketAddress& peer) const { return peer.is_ipv4() ? !ipv6_ || dual_stack_ : ipv6_; }

  // Receives up to out.size() datagrams (at most kBatch) without blocking; returns the count.
  size_t receive_batch(PacketPool& pool, std::span<Datagram> out);

  // Queues a datagram; sent by flush() (called automatically when the queue is full). The
  // packet is held by reference until sent: no copy. `transform`, if any, is applied first.
  void send(Packet packet, const SocketAddress& to, SendTransform* transform = nullptr);
  // Sends queued datagrams; returns true when the queue is empty afterwards.
  bool flush();
  // Sends one datagram now, outside the queue, that lives only `hops` routers (IP TTL, IPv6
  // hop limit): it opens this host's NAT toward `to` and dies before it reaches the far one.
  bool send_limited(Bytes data, const SocketAddress& to, int hops);
  size_t pending() const { return queued_; }
  const UdpCounters& counters() const { return counters_; }
  // For every datagram sent that carries a receive time (a forwarded packet): from the
  // kernel's receive timestamp to its send call. Not while a flush runs.
  DelayHistogram send_delays() const;

  // A longer queue and a pool to flush it with: transforms and sendmmsg run on all the
  // pool's threads, each datagram on its transform's lane. The pool must outlive the socket.
  void use_workers(WorkerPool* pool, size_t queue_capacity);

 private:
  enum class State : uint8_t { kQueued, kSent, kDropped };
  struct Outgoing {
    Packet packet;
    SendTransform* transform = nullptr;  // not yet applied
    uint32_t lane = 0;                   // fixed while a flush runs: other threads read it
    sockaddr_in6 addr{};                 // large enough for either family
    socklen_t addr_len = 0;
    State state = State::kQueued;
  };
  struct LaneResult {
    uint64_t sent = 0, refused = 0;
  };
  // Applies transforms and sends this lane's share of the queue (lane `lane` of `lanes`).
  LaneResult flush_lane(size_t lane, size_t lanes);

  int fd_ = -1;
  uint16_t port_ = 0;
  bool ipv6_ = false;  // AF_INET6: destinations are written as sockaddr_in6, IPv4 mapped
  bool dual_stack_ = false;
  UdpCounters counters_;
  // Send queue: allocated once, no allocation per packet.
  size_t queued_ = 0;
  std::vector<Outgoing> queue_;
  WorkerPool* workers_ = nullptr;
  std::vector<DelayHistogram> delays_ = std::vector<DelayHistogram>(1);  // one per lane: no sharing
};

}  // namespace umbrella
