#include "core/udp_socket.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>

namespace umbrella {

UdpSocket::~UdpSocket() {
  if (fd_ >= 0) close(fd_);
}

namespace {
// Below this many datagrams a flush stays on the calling thread: waking workers would cost more.
constexpr size_t kParallelMin = 16;
}  // namespace

int64_t receive_clock_now_ns() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);  // the clock of SO_TIMESTAMPNS
  return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

UdpSocket::UdpSocket(UdpSocket&& o) noexcept { *this = std::move(o); }

UdpSocket& UdpSocket::operator=(UdpSocket&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) close(fd_);
    fd_ = std::exchange(o.fd_, -1);
    port_ = o.port_;
    ipv6_ = o.ipv6_;
    dual_stack_ = o.dual_stack_;
    counters_ = o.counters_;
    queued_ = std::exchange(o.queued_, 0);
    queue_ = std::move(o.queue_);
    workers_ = std::exchange(o.workers_, nullptr);
    delays_ = std::move(o.delays_);
  }
  return *this;
}

void UdpSocket::use_workers(WorkerPool* pool, size_t queue_capacity) {
  flush();
  workers_ = pool;
  delays_.resize(pool ? pool->size() : 1);
  if (queued_ == 0) queue_ = std::vector<Outgoing>(queue_capacity);
}

Result<UdpSocket, std::string> UdpSocket::bind(const SocketAddress& requested, uint16_t min_port,
                                               uint16_t max_port) {
  SocketAddress ip = requested;
  static const std::array<uint8_t, 16> kAny{};
  bool any6 = ip.is_ipv6() && std::memcmp(ip.ip_bytes(), kAny.data(), 16) == 0;
  int fd = socket(ip.is_ipv6() ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0 && any6 && errno == EAFNOSUPPORT) {  // kernel without IPv6 (ipv6.disable=1)
    ip = SocketAddress::ipv4({0, 0, 0, 0}, 0);
    any6 = false;
    fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  }
  if (fd < 0) return Err{std::string("cannot create UDP socket: ") + std::strerror(errno)};
  int v6only = any6 ? 0 : 1;  // one socket for both families; a given IPv6 address is IPv6 only
  if (ip.is_ipv6()) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
  // Media bursts (a keyframe to many subscribers) need more than the default buffers.
  int size = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
  // Kernel receive times: the send path measures the delay the SFU adds from them.
  int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
  int last_errno = 0;
  for (uint32_t port = min_port; port <= max_port; ++port) {
    SocketAddress a = ip;
    a.set_port(uint16_t(port));
    sockaddr_storage ss;
    socklen_t len = a.to_sockaddr(ss);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0) {
      UdpSocket s;
      s.fd_ = fd;
      s.ipv6_ = ip.is_ipv6();
      s.dual_stack_ = any6;
      sockaddr_storage bound;
      socklen_t bound_len = sizeof(bound);
      getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &bound_len);
      auto b = SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&bound), bound_len);
      s.port_ = b ? b->port() : uint16_t(port);
      return s;
    }
    last_errno = errno;
    if (port == 0) break;
  }
  close(fd);
  std::string range = min_port == max_port ? std::to_string(min_port)
                                           : std::to_string(min_port) + "-" + std::to_string(max_port);
  return Err{"cannot bind UDP " + ip.ip_string() + " port " + range + ": " + std::strerror(last_errno) +
             " (choose free ports with UMBRELLA_MIN_PORT/UMBRELLA_MAX_PORT)"};
}

size_t UdpSocket::receive_batch(PacketPool& pool, std::span<Datagram> out) {
  size_t want = std::min(out.size(), kBatch);
  std::array<mmsghdr, kBatch> msgs;
  std::array<iovec, kBatch> iovs;
  std::array<sockaddr_storage, kBatch> addrs;
  using Control = std::array<uint8_t, CMSG_SPACE(sizeof(timespec))>;
  alignas(cmsghdr) std::array<Control, kBatch> controls;
  size_t prepared = 0;
  for (; prepared < want; ++prepared) {
    out[prepared].packet = pool.acquire();
    if (!out[prepared].packet) {
      ++counters_.receive_pool_exhausted;
      break;
    }
    iovs[prepared] = {out[prepared].packet.data(), out[prepared].packet.capacity()};
    std::memset(&msgs[prepared], 0, sizeof(mmsghdr));
    msgs[prepared].msg_hdr.msg_iov = &iovs[prepared];
    msgs[prepared].msg_hdr.msg_iovlen = 1;
    msgs[prepared].msg_hdr.msg_name = &addrs[prepared];
    msgs[prepared].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
    msgs[prepared].msg_hdr.msg_control = controls[prepared].data();
    msgs[prepared].msg_hdr.msg_controllen = controls[prepared].size();
  }
  if (prepared == 0) {
    // Pool empty: drain one datagram into the void so a full pool cannot wedge the socket.
    uint8_t scratch[1];
    if (recv(fd_, scratch, sizeof(scratch), MSG_DONTWAIT) >= 0) ++counters_.received;
    return 0;
  }
  int n = recvmmsg(fd_, msgs.data(), unsigned(prepared), MSG_DONTWAIT, nullptr);
  size_t got = n > 0 ? size_t(n) : 0;
  for (size_t i = 0; i < got; ++i) {
    out[i].packet.set_size(msgs[i].msg_len);
    int64_t received_ns = 0;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msgs[i].msg_hdr); c; c = CMSG_NXTHDR(&msgs[i].msg_hdr, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPNS) continue;
      timespec ts;
      std::memcpy(&ts, CMSG_DATA(c), sizeof(ts));
      received_ns = int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
    }
    out[i].packet.set_received_ns(received_ns);
    auto peer = SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&addrs[i]), msgs[i].msg_hdr.msg_namelen);
    out[i].peer = peer ? *peer : SocketAddress();
  }
  for (size_t i = got; i < prepared; ++i) out[i].packet.reset();
  counters_.received += got;
  return got;
}

bool UdpSocket::send_limited(Bytes data, const SocketAddress& to, int hops) {
  sockaddr_storage ss{};
  socklen_t len = ipv6_ ? to.to_sockaddr_in6(*reinterpret_cast<sockaddr_in6*>(&ss)) : to.to_sockaddr(ss);
  // IP_TTL also governs IPv4 sent from a dual-stack socket; -1 is the system default again.
  int limit = hops, reset = -1;
  bool ok = setsockopt(fd_, IPPROTO_IP, IP_TTL, &limit, sizeof limit) == 0 || ipv6_;
  if (ipv6_) ok = setsockopt(fd_, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &limit, sizeof limit) == 0 && ok;
  ok = ok && ::sendto(fd_, data.data(), data.size(), 0, reinterpret_cast<sockaddr*>(&ss), len) == ssize_t(data.size());
  setsockopt(fd_, IPPROTO_IP, IP_TTL, &reset, sizeof reset);
  if (ipv6_) setsockopt(fd_, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &reset, sizeof reset);
  if (!ok) ++counters_.send_dropped;
  return ok;
}

void UdpSocket::send(Packet packet, const SocketAddress& to, SendTransform* transform) {
  if (queue_.empty()) queue_.resize(kBatch);
  if (queued_ == queue_.size() && !flush()) {
    ++counters_.send_dropped;
    return;
  }
  Outgoing& o = queue_[queued_++];
  if (ipv6_) {
    o.addr_len = to.to_sockaddr_in6(o.addr);
  } else {
    sockaddr_in in{};
    in.sin_family = AF_INET;
    in.sin_port = htons(to.port());
    std::memcpy(&in.sin_addr, to.ip_bytes(), 4);
    std::memcpy(&o.addr, &in, sizeof(in));  // sockaddr_in6 is the larger of the two
    o.addr_len = to.is_ipv4() ? sizeof(sockaddr_in) : 0;  // an IPv6 peer: the kernel refuses, counted
  }
  o.packet = std::move(packet);
  o.transform = transform;
  o.lane = transform ? transform->lane() : 0;
  o.state = State::kQueued;
}

UdpSocket::LaneResult UdpSocket::flush_lane(size_t lane, size_t lanes) {
  LaneResult result;
  DelayHistogram& delays = delays_[lane];
  std::array<mmsghdr, kBatch> msgs;
  std::array<iovec, kBatch> iovs;
  std::array<Outgoing*, kBatch> batch;
  bool blocked = false;  // kernel buffer full: transforms still run, sends wait for EPOLLOUT
  size_t i = 0;
  while (i < queued_) {
    size_t n = 0;
    for (; i < queued_ && n < kBatch; ++i) {
      Outgoing& o = queue_[i];
      if (o.lane % lanes != lane) continue;
      if (o.transform) {
        bool ok = o.transform->apply(o.packet);
        o.transform = nullptr;
        if (!ok) {
          o.state = State::kDropped;
          continue;
        }
      }
      if (blocked) continue;
      iovs[n] = {o.packet.data(), o.packet.size()};
      std::memset(&msgs[n], 0, sizeof(mmsghdr));
      msgs[n].msg_hdr.msg_iov = &iovs[n];
      msgs[n].msg_hdr.msg_iovlen = 1;
      msgs[n].msg_hdr.msg_name = &o.addr;
      msgs[n].msg_hdr.msg_namelen = o.addr_len;
      batch[n++] = &o;
    }
    size_t done = 0;
    while (done < n) {
      int sent = sendmmsg(fd_, msgs.data() + done, unsigned(n - done), MSG_DONTWAIT);
      if (sent <= 0) {
        if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
          blocked = true;
          break;
        }
        // A datagram the kernel refuses (e.g. unreachable address): drop it, keep the rest.
        batch[done++]->state = State::kDropped;
        ++result.refused;
        continue;
      }
      int64_t now_ns = receive_clock_now_ns();
      for (int k = 0; k < sent; ++k) {
        Outgoing& o = *batch[done++];
        o.state = State::kSent;
        if (int64_t at = o.packet.received_ns(); at > 0 && now_ns > at) delays.add(uint64_t(now_ns - at) / 1000);
      }
      result.sent += size_t(sent);
    }
  }
  return result;
}

DelayHistogram UdpSocket::send_delays() const {
  DelayHistogram all;
  for (const auto& d : delays_) all.merge(d);
  return all;
}

bool UdpSocket::flush() {
  if (queued_ == 0) return true;
  size_t lanes = workers_ && queued_ >= kParallelMin ? workers_->size() : 1;
  std::array<LaneResult, WorkerPool::kMaxThreads> results{};
  auto job = [&](size_t lane) { results[lane] = flush_lane(lane, lanes); };
  if (lanes == 1) {
    job(0);
  } else {
    workers_->run(job);
  }
  for (size_t l = 0; l < lanes; ++l) {
    counters_.sent += results[l].sent;
    counters_.send_dropped += results[l].refused;
  }
  // Release what left or was dropped; keep (in order) what waits for the kernel buffer.
  size_t kept = 0;
  for (size_t i = 0; i < queued_; ++i) {
    Outgoing& o = queue_[i];
    if (o.state == State::kQueued) {
      if (kept != i) queue_[kept] = std::move(o);
      ++kept;
    } else {
      o.packet.reset();
    }
  }
  queued_ = kept;
  return queued_ == 0;
}

}  // namespace umbrella
