#include "core/udp_socket.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace umbrella {

UdpSocket::~UdpSocket() {
  if (fd_ >= 0) close(fd_);
}

UdpSocket::UdpSocket(UdpSocket&& o) noexcept { *this = std::move(o); }

UdpSocket& UdpSocket::operator=(UdpSocket&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) close(fd_);
    fd_ = std::exchange(o.fd_, -1);
    port_ = o.port_;
    counters_ = o.counters_;
    queued_ = std::exchange(o.queued_, 0);
    for (size_t i = 0; i < queued_; ++i) {
      out_packets_[i] = std::move(o.out_packets_[i]);
      out_addrs_[i] = o.out_addrs_[i];
      out_addr_lens_[i] = o.out_addr_lens_[i];
    }
  }
  return *this;
}

Result<UdpSocket, std::string> UdpSocket::bind(const SocketAddress& ip, uint16_t min_port, uint16_t max_port) {
  int fd = socket(ip.is_ipv6() ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Err{std::string("cannot create UDP socket: ") + std::strerror(errno)};
  // Media bursts (a keyframe to many subscribers) need more than the default buffers.
  int size = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
  int last_errno = 0;
  for (uint32_t port = min_port; port <= max_port; ++port) {
    SocketAddress a = ip;
    a.set_port(uint16_t(port));
    sockaddr_storage ss;
    socklen_t len = a.to_sockaddr(ss);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0) {
      UdpSocket s;
      s.fd_ = fd;
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
    auto peer = SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&addrs[i]), msgs[i].msg_hdr.msg_namelen);
    out[i].peer = peer ? *peer : SocketAddress();
  }
  for (size_t i = got; i < prepared; ++i) out[i].packet.reset();
  counters_.received += got;
  return got;
}

void UdpSocket::send(Packet packet, const SocketAddress& to) {
  if (queued_ == kBatch && !flush()) {
    ++counters_.send_dropped;
    return;
  }
  out_addr_lens_[queued_] = to.to_sockaddr(out_addrs_[queued_]);
  out_packets_[queued_] = std::move(packet);
  ++queued_;
}

bool UdpSocket::flush() {
  size_t done = 0;
  while (done < queued_) {
    std::array<mmsghdr, kBatch> msgs;
    std::array<iovec, kBatch> iovs;
    size_t n = queued_ - done;
    for (size_t i = 0; i < n; ++i) {
      Packet& p = out_packets_[done + i];
      iovs[i] = {p.data(), p.size()};
      std::memset(&msgs[i], 0, sizeof(mmsghdr));
      msgs[i].msg_hdr.msg_iov = &iovs[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_name = &out_addrs_[done + i];
      msgs[i].msg_hdr.msg_namelen = out_addr_lens_[done + i];
    }
    int sent = sendmmsg(fd_, msgs.data(), unsigned(n), MSG_DONTWAIT);
    if (sent <= 0) {
      if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      // A datagram the kernel refuses (e.g. unreachable address): drop it, keep the rest.
      ++counters_.send_dropped;
      out_packets_[done].reset();
      ++done;
      continue;
    }
    for (int i = 0; i < sent; ++i) out_packets_[done + size_t(i)].reset();
    counters_.sent += size_t(sent);
    done += size_t(sent);
  }
  // Compact what is left (only on EAGAIN).
  size_t left = queued_ - done;
  for (size_t i = 0; i < left; ++i) {
    out_packets_[i] = std::move(out_packets_[done + i]);
    out_addrs_[i] = out_addrs_[done + i];
    out_addr_lens_[i] = out_addr_lens_[done + i];
  }
  queued_ = left;
  return queued_ == 0;
}

}  // namespace umbrella
