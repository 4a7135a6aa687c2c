#include "server/media_port.hpp"

#include <sys/epoll.h>

#include "core/log.hpp"
#include "ice/demux.hpp"
#include "stun/builder.hpp"

namespace umbrella::server {

namespace {
// Flushes of this many datagrams give each thread enough work to pay for waking it.
constexpr size_t kSendQueue = 512;
constexpr size_t kFlushAfter = 8;
// Media that waited this long in the receive buffer (an overloaded or stalled loop) is late
// for any receiver's jitter buffer: dropping it before decryption drains the backlog at once
// instead of forwarding seconds of the past.
constexpr int64_t kStaleNs = 500'000'000;
}  // namespace

MediaPort::MediaPort(EventLoop& loop, UdpSocket socket, size_t pool_slots, size_t threads)
    : loop_(loop), workers_(threads), socket_(std::move(socket)), pool_(pool_slots) {
  if (workers_.size() > 1) socket_.use_workers(&workers_, kSendQueue);
  loop_.watch(socket_.fd(), EPOLLIN, [this](uint32_t events) {
    if (events & EPOLLIN) on_readable();
    if (events & EPOLLOUT) flush();
  });
  loop_.add_flusher([this] {
    if (socket_.pending() > 0) flush();
  });
}

MediaPort::~MediaPort() { loop_.unwatch(socket_.fd()); }

void DatagramPort::bind_address(const SocketAddress& address, MediaEndpoint* endpoint) {
  // An address change (NAT rebinding, network switch) moves the transport: the old address
  // must no longer reach it.
  std::erase_if(by_address_, [endpoint](const auto& kv) { return kv.second == endpoint; });
  by_address_[address] = endpoint;
}

void DatagramPort::unregister(MediaEndpoint* endpoint) {
  flush();
  std::erase_if(by_ufrag_, [endpoint](const auto& kv) { return kv.second == endpoint; });
  std::erase_if(by_address_, [endpoint](const auto& kv) { return kv.second == endpoint; });
}

void MediaPort::flush() {
  bool blocked = !socket_.flush();
  // Kernel buffer full: wait for writability instead of spinning or dropping.
  if (blocked != waiting_writable_) loop_.set_events(socket_.fd(), blocked ? (EPOLLIN | EPOLLOUT) : EPOLLIN);
  waiting_writable_ = blocked;
}

void MediaPort::on_readable() {
  // Bounded passes so one busy socket cannot starve timers and HTTP.
  for (int pass = 0; pass < 8; ++pass) {
    size_t n = socket_.receive_batch(pool_, batch_);
    if (n == 0) break;
    Instant now = loop_.now();
    int64_t now_ns = receive_clock_now_ns();
    for (size_t i = 0; i < n; ++i) {
      dispatch(batch_[i].packet, batch_[i].peer, now, now_ns);
      batch_[i].packet.reset();
      // A datagram's copies leave before the next is processed once there are a few: the
      // syscall is shared by its fan-out, and no copy waits behind the rest of the batch.
      if (socket_.pending() >= kFlushAfter) flush();
    }
    if (n < batch_.size()) break;
  }
}

void DatagramPort::dispatch(Packet& packet, const SocketAddress& from, Instant now, int64_t now_ns) {
  Bytes bytes = packet.span();
  if (bytes.empty()) return;
  auto kind = ice::classify_datagram(bytes);
  if (kind == ice::DatagramKind::kStun) {
    auto msg = stun::parse(bytes);
    if (!msg) {
      ++counters_.stun_malformed;
      return;
    }
    // A binding request with neither USERNAME nor MESSAGE-INTEGRITY is a STUN server's question
    // (RFC 8489 basic binding): "from which address do you see me?". A site behind a NAT asks
    // before it bridges directly to another; the answer is stateless and barely larger than the
    // question, like the 401 below.
    if (msg->is_binding_request() && !msg->username && !msg->integrity_offset && msg->unknown_count == 0 &&
        !msg->unknown_overflow) {
      ++counters_.stun_reflexive_answered;
      send_reflexive_address(*msg, from);
      return;
    }
    MediaEndpoint* endpoint = nullptr;
    if (auto route = ice::route_stun(*msg); route.by_ufrag) {
      if (route.ufrag) {
        auto it = by_ufrag_.find(std::string(*route.ufrag));
        if (it != by_ufrag_.end()) endpoint = it->second;
      }
    } else if (auto it = by_address_.find(from); it != by_address_.end()) {
      endpoint = it->second;  // responses to our own checks (trunks)
    }
    if (!endpoint) {
      ++counters_.stun_unknown_ufrag;
      // RFC 8489 10.1.2: an unknown USERNAME gets a 401, statelessly (smaller than the request).
      if (msg->is_binding_request()) send_unauthorized(*msg, from);
      return;
    }
    endpoint->on_stun(*msg, bytes, from, now);
    return;
  }
  if (kind == ice::DatagramKind::kRtp && packet.received_ns() > 0 && now_ns - packet.received_ns() > kStaleNs) {
    ++counters_.stale_dropped;  // RTP/RTCP only: DTLS and STUN are never too late
    return;
  }
  if (kind == ice::DatagramKind::kDtls || kind == ice::DatagramKind::kRtp) {
    auto it = by_address_.find(from);
    if (it == by_address_.end()) {
      ++counters_.unknown_source;
      return;
    }
    it->second->on_datagram(std::move(packet), from, now);
    return;
  }
  ++counters_.not_demuxable;
}

void DatagramPort::send_reflexive_address(const stun::Message& msg, const SocketAddress& to) {
  Packet p = pool().acquire();
  if (!p) return;
  stun::MessageBuilder b(MutableBytes(p.data(), p.capacity()), stun::method::kBinding,
                         stun::MessageClass::kSuccessResponse, msg.transaction_id);
  b.add_xor_mapped_address(to);
  b.add_fingerprint();
  size_t n = b.finish();
  if (n == 0) return;
  p.set_size(n);
  send(std::move(p), to);
}

void DatagramPort::send_unauthorized(const stun::Message& msg, const SocketAddress& to) {
  Packet p = pool().acquire();
  if (!p) return;
  stun::MessageBuilder b(MutableBytes(p.data(), p.capacity()), stun::method::kBinding,
                         stun::MessageClass::kErrorResponse, msg.transaction_id);
  b.add_error_code(401, stun::default_reason(401));
  b.add_fingerprint();
  size_t n = b.finish();
  if (n == 0) return;
  p.set_size(n);
  send(std::move(p), to);
}

}  // namespace umbrella::server
