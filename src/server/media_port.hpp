// The one UDP port all media uses (like mediasoup's WebRtcServer): receives in batches,
// demultiplexes per RFC 7983 and hands each datagram to the transport it belongs to:
// STUN by the local ICE ufrag in USERNAME (first contact), everything else by source address.
#pragma once

#include <array>
#include <string>
#include <unordered_map>

#include "core/event_loop.hpp"
#include "core/packet_pool.hpp"
#include "core/udp_socket.hpp"
#include "stun/message.hpp"

namespace umbrella::server {

// A transport as the port sees it. Implemented by the owner of each WebRTC transport.
class MediaEndpoint {
 public:
  virtual ~MediaEndpoint() = default;
  virtual void on_stun(const stun::Message& msg, Bytes raw, const SocketAddress& from, Instant now) = 0;
  // DTLS, RTP or RTCP from this endpoint's bound address.
  virtual void on_datagram(Packet packet, const SocketAddress& from, Instant now) = 0;
};

struct MediaPortCounters {
  uint64_t stun_unknown_ufrag = 0;  // binding request for no transport: dropped, no state created
  uint64_t stun_malformed = 0;
  uint64_t stun_reflexive_answered = 0;  // plain binding requests answered with the sender's address
  uint64_t unknown_source = 0;      // non-STUN from an address no transport owns
  uint64_t not_demuxable = 0;       // first byte outside RFC 7983's ranges
  uint64_t stale_dropped = 0;       // RTP/RTCP that waited in the socket too long to be worth sending
};

// The datagram side every transport's owner uses: a pool, the local port, registration for
// demultiplexing, and a send queue. MediaPort is the real one; tests use one in memory.
class DatagramPort {
 public:
  virtual ~DatagramPort() = default;
  virtual uint16_t port() const = 0;
  virtual PacketPool& pool() = 0;
  // Whether a datagram to `peer` can leave (its family is the socket's, or the socket is dual stack).
  virtual bool reaches(const SocketAddress& peer) const = 0;
  void register_ufrag(const std::string& ufrag, MediaEndpoint* endpoint) { by_ufrag_[ufrag] = endpoint; }
  // Routes non-STUN traffic from `address` to endpoint (after ICE nomination or an address change).
  void bind_address(const SocketAddress& address, MediaEndpoint* endpoint);
  // Also routes `address` to endpoint, keeping its other addresses (a dialling transport's
  // remote candidates before one is selected).
  void add_address(const SocketAddress& address, MediaEndpoint* endpoint) { by_address_[address] = endpoint; }
  // Also flushes, so no queued datagram still needs the endpoint's SRTP (see SendTransform).
  void unregister(MediaEndpoint* endpoint);
  // Queued and sent in a batch; `transform` (SRTP protect) is applied at that flush, maybe on
  // another thread.
  virtual void send(Packet packet, const SocketAddress& to, SendTransform* transform = nullptr) = 0;
  virtual void flush() = 0;

  const MediaPortCounters& counters() const { return counters_; }
  size_t endpoints() const { return by_ufrag_.size(); }

 protected:
  // RFC 7983 demultiplexing of one received datagram to its endpoint.
  void dispatch(Packet& packet, const SocketAddress& from, Instant now, int64_t now_ns);
  void send_unauthorized(const stun::Message& msg, const SocketAddress& to);
  void send_reflexive_address(const stun::Message& msg, const SocketAddress& to);

  MediaPortCounters counters_;

 private:
  std::unordered_map<std::string, MediaEndpoint*> by_ufrag_;
  std::unordered_map<SocketAddress, MediaEndpoint*> by_address_;
};

class MediaPort final : public DatagramPort {
 public:
  // `threads` (counting the loop's own) encrypt and send each batch; 1 keeps it all on the loop.
  MediaPort(EventLoop& loop, UdpSocket socket, size_t pool_slots, size_t threads = 1);
  ~MediaPort() override;

  uint16_t port() const override { return socket_.local_port(); }
  PacketPool& pool() override { return pool_; }

  // Queued and sent in a batch at the end of the current receive pass.
  void send(Packet packet, const SocketAddress& to, SendTransform* transform = nullptr) override {
    socket_.send(std::move(packet), to, transform);
  }
  void flush() override;

  const UdpCounters& udp_counters() const { return socket_.counters(); }
  bool reaches_ipv6() const { return socket_.ipv6(); }
  bool reaches(const SocketAddress& peer) const override { return socket_.reaches(peer); }
  DelayHistogram forward_delays() const { return socket_.send_delays(); }
  size_t threads() const { return workers_.size(); }

 private:
  void on_readable();

  EventLoop& loop_;
  WorkerPool workers_;  // before socket_: the socket's queue uses it until destroyed
  UdpSocket socket_;
  PacketPool pool_;
  std::array<Datagram, UdpSocket::kBatch> batch_;
  bool waiting_writable_ = false;
};

}  // namespace umbrella::server
