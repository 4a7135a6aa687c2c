// The raw ceiling for the SFU's forwarding work: a reflector thread that receives the same
// packet pattern (recvmmsg) and sends every packet to each of N destinations (sendmmsg),
// once plain and once with an SRTP protect per copy (the same libsrtp2). A source thread
// paces publishers like umbrella-loadgen (video frames of ~1200-byte packets, audio every
// 20 ms); a sink thread drains the destinations. Prints the reflector's CPU time per
// forwarded packet, which tools/bench/run compares with the SFU's.
//   ceiling [--publishers P] [--fanout N] [--video-kbps K] [--fps F] [--duration S] [--srtp] [--json]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "srtp/library.hpp"
#include "srtp/session.hpp"

using namespace umbrella;

namespace {

constexpr size_t kBatch = 64;
constexpr size_t kSlot = 1500;

int udp_socket(sockaddr_in& addr) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  int size = 4 << 20;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  return fd;
}

double thread_cpu_s() {
  timespec ts;
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

void rtp_header(uint8_t* p, uint8_t pt, uint16_t seq, uint32_t ts, uint32_t ssrc) {
  p[0] = 0x80;
  p[1] = pt;
  p[2] = uint8_t(seq >> 8);
  p[3] = uint8_t(seq);
  for (int i = 0; i < 4; ++i) p[4 + i] = uint8_t(ts >> (24 - 8 * i)), p[8 + i] = uint8_t(ssrc >> (24 - 8 * i));
}

struct Options {
  int publishers = 1, fanout = 10, fps = 30;
  double video_kbps = 1000, duration = 5;
  bool srtp = false, json = false;
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::atof(argv[++i]) : 0.0; };
    if (a == "--publishers") o.publishers = int(next());
    else if (a == "--fanout") o.fanout = int(next());
    else if (a == "--video-kbps") o.video_kbps = next();
    else if (a == "--fps") o.fps = int(next());
    else if (a == "--duration") o.duration = next();
    else if (a == "--srtp") o.srtp = true;
    else if (a == "--json") o.json = true;
    else {
      std::fprintf(stderr, "usage: ceiling [--publishers P] [--fanout N] [--video-kbps K] [--fps F] [--duration S] [--srtp] [--json]\n");
      return 2;
    }
  }
  if (!srtp::ensure_library_initialized()) return 1;
  sockaddr_in in_addr, src_addr;
  int in_fd = udp_socket(in_addr);
  int src_fd = udp_socket(src_addr);
  std::vector<int> sinks(size_t(o.fanout));
  std::vector<sockaddr_in> sink_addrs(size_t(o.fanout));
  for (int i = 0; i < o.fanout; ++i) sinks[size_t(i)] = udp_socket(sink_addrs[size_t(i)]);
  // One outbound SRTP session per destination, as the SFU has one per subscriber transport.
  std::vector<srtp::SrtpSession> sessions;
  if (o.srtp) {
    uint8_t key[16], salt[14];
    for (int i = 0; i < o.fanout; ++i) {
      std::memset(key, i + 1, sizeof key);
      std::memset(salt, i + 7, sizeof salt);
      auto s = srtp::SrtpSession::create(srtp::Profile::kAes128CmSha1_80, Bytes(key, 16), Bytes(salt, 14),
                                         srtp::Direction::kOutbound);
      if (!s) return 1;
      sessions.push_back(std::move(*s));
    }
  }
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> sent_in{0}, sunk{0};

  std::thread source([&] {
    using clock = std::chrono::steady_clock;
    auto start = clock::now();
    size_t frame = size_t(o.video_kbps * 1000 / 8 / o.fps);
    size_t per_frame = (frame + 1199) / 1200;
    std::vector<uint16_t> seq(size_t(o.publishers) * 2);
    uint64_t frames = 0, audios = 0;
    uint8_t buf[1300] = {};
    auto next_frame = start, next_audio = start;
    while (!stop) {
      auto now = clock::now();
      if (now >= next_frame) {
        for (int p = 0; p < o.publishers; ++p)
          for (size_t k = 0; k < per_frame; ++k) {
            rtp_header(buf, 96 | (k + 1 == per_frame ? 0x80 : 0), seq[size_t(p) * 2]++, uint32_t(frames * 3000), 1000u + uint32_t(p));
            ::sendto(src_fd, buf, 12 + frame / per_frame, 0, reinterpret_cast<sockaddr*>(&in_addr), sizeof in_addr);
            ++sent_in;
          }
        ++frames;
        next_frame = start + std::chrono::nanoseconds(int64_t(frames * 1'000'000'000ull / uint64_t(o.fps)));
      }
      if (now >= next_audio) {
        for (int p = 0; p < o.publishers; ++p) {
          rtp_header(buf, 111, seq[size_t(p) * 2 + 1]++, uint32_t(audios * 960), 2000u + uint32_t(p));
          ::sendto(src_fd, buf, 12 + 80, 0, reinterpret_cast<sockaddr*>(&in_addr), sizeof in_addr);
          ++sent_in;
        }
        ++audios;
        next_audio = start + std::chrono::milliseconds(20 * int64_t(audios));
      }
      std::this_thread::sleep_until(std::min(next_frame, next_audio));
    }
  });

  std::thread sink([&] {
    int ep = ::epoll_create1(0);
    for (int fd : sinks) {
      epoll_event ev{EPOLLIN, {}};
      ev.data.fd = fd;
      ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    }
    std::vector<uint8_t> bufs(kBatch * kSlot);
    mmsghdr msgs[kBatch];
    iovec iov[kBatch];
    epoll_event evs[64];
    while (!stop) {
      int n = ::epoll_wait(ep, evs, 64, 50);
      for (int e = 0; e < n; ++e) {
        for (size_t i = 0; i < kBatch; ++i) {
          iov[i] = {bufs.data() + i * kSlot, kSlot};
          msgs[i] = {};
          msgs[i].msg_hdr.msg_iov = &iov[i];
          msgs[i].msg_hdr.msg_iovlen = 1;
        }
        int got;
        while ((got = ::recvmmsg(evs[e].data.fd, msgs, kBatch, MSG_DONTWAIT, nullptr)) > 0) sunk += uint64_t(got);
      }
    }
    ::close(ep);
  });

  // The reflector: this thread, the figure of merit.
  std::vector<uint8_t> in_bufs(kBatch * kSlot), out_bufs(kBatch * kSlot);
  mmsghdr in_msgs[kBatch], out_msgs[kBatch];
  iovec in_iov[kBatch], out_iov[kBatch];
  uint64_t received = 0, forwarded = 0;
  size_t queued = 0;
  auto flush = [&] {
    size_t off = 0;
    while (off < queued) {
      int n = ::sendmmsg(in_fd, out_msgs + off, unsigned(queued - off), 0);
      if (n <= 0) break;
      off += size_t(n);
    }
    forwarded += off;
    queued = 0;
  };
  int ep = ::epoll_create1(0);
  epoll_event ev{EPOLLIN, {}};
  ::epoll_ctl(ep, EPOLL_CTL_ADD, in_fd, &ev);
  double cpu0 = thread_cpu_s();
  auto wall0 = std::chrono::steady_clock::now();
  auto end = wall0 + std::chrono::nanoseconds(int64_t(o.duration * 1e9));
  while (std::chrono::steady_clock::now() < end) {
    epoll_event got_ev;
    if (::epoll_wait(ep, &got_ev, 1, 20) <= 0) continue;
    for (;;) {
      for (size_t i = 0; i < kBatch; ++i) {
        in_iov[i] = {in_bufs.data() + i * kSlot, kSlot};
        in_msgs[i] = {};
        in_msgs[i].msg_hdr.msg_iov = &in_iov[i];
        in_msgs[i].msg_hdr.msg_iovlen = 1;
      }
      int n = ::recvmmsg(in_fd, in_msgs, kBatch, MSG_DONTWAIT, nullptr);
      if (n <= 0) break;
      received += uint64_t(n);
      for (int i = 0; i < n; ++i) {
        const uint8_t* pkt = in_bufs.data() + size_t(i) * kSlot;
        size_t len = in_msgs[i].msg_len;
        for (int d = 0; d < o.fanout; ++d) {
          uint8_t* out = out_bufs.data() + queued * kSlot;
          std::memcpy(out, pkt, len);  // the SFU's per-subscriber copy (rewrite + encrypt)
          size_t out_len = len;
          if (o.srtp) {
            auto r = sessions[size_t(d)].protect_rtp(out, len, kSlot);
            if (!r) continue;
            out_len = *r;
          }
          out_iov[queued] = {out, out_len};
          out_msgs[queued] = {};
          out_msgs[queued].msg_hdr.msg_iov = &out_iov[queued];
          out_msgs[queued].msg_hdr.msg_iovlen = 1;
          out_msgs[queued].msg_hdr.msg_name = &sink_addrs[size_t(d)];
          out_msgs[queued].msg_hdr.msg_namelen = sizeof(sockaddr_in);
          if (++queued == kBatch) flush();
        }
      }
      flush();
      // Past saturation the socket always holds a full batch: leave on time all the same.
      if (size_t(n) < kBatch || std::chrono::steady_clock::now() >= end) break;
    }
  }
  double cpu = thread_cpu_s() - cpu0;
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  stop = true;
  source.join();
  sink.join();
  double ns_per_packet = forwarded ? cpu * 1e9 / double(forwarded) : 0;
  if (o.json)
    std::printf("{\"srtp\":%s,\"publishers\":%d,\"fanout\":%d,\"in_pps\":%.1f,\"out_pps\":%.1f,\"cpu_pct\":%.2f,"
                "\"ns_per_forwarded_packet\":%.1f,\"max_out_pps_one_core\":%.0f,\"sunk\":%llu}\n",
                o.srtp ? "true" : "false", o.publishers, o.fanout, double(received) / wall,
                double(forwarded) / wall, 100 * cpu / wall, ns_per_packet, ns_per_packet ? 1e9 / ns_per_packet : 0,
                (unsigned long long)sunk.load());
  else
    std::printf("ceiling%s: %d publishers x fan-out %d: in %.0f pkt/s, out %.0f pkt/s, reflector CPU %.1f%%, "
                "%.0f ns per forwarded packet (one core: %.0f pkt/s)\n",
                o.srtp ? " (SRTP)" : "", o.publishers, o.fanout, double(received) / wall, double(forwarded) / wall,
                100 * cpu / wall, ns_per_packet, ns_per_packet ? 1e9 / ns_per_packet : 0);
  return 0;
}
