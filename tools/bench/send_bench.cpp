// The send path alone, the part UMBRELLA_MEDIA_THREADS spreads over cores: batches of
// 1172-byte RTP packets for `receivers` SRTP contexts, protected and sent with sendmmsg
// through UdpSocket, for 1..N threads. Prints packets/s (wall clock) and CPU ns/packet.
// Not a test. Send to an address that drops quietly (tools/bench/send-threads sets one up
// in a private namespace), so no receiver's cost is counted.
//   send_bench DEST_IP [receivers=100] [max_threads=2] [seconds=3]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "core/udp_socket.hpp"
#include "core/worker_pool.hpp"
#include "rtc/srtp_channel.hpp"

using namespace umbrella;
using BenchClock = std::chrono::steady_clock;

namespace {

constexpr size_t kPacketSize = 1172;
constexpr size_t kQueue = 512;  // as the media port

struct Receiver {
  rtc::SrtpChannel srtp;
  rtc::TransportCounters counters;
  rtc::RtpProtect protect{srtp, counters};
  uint16_t seq = 0;
};

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

void run(const SocketAddress& dest, size_t receivers, size_t threads, double seconds) {
  auto socket = UdpSocket::bind(*SocketAddress::parse_ip("0.0.0.0"), 0, 0);
  if (!socket) {
    std::fprintf(stderr, "send_bench: %s\n", socket.error().c_str());
    std::exit(1);
  }
  WorkerPool workers(threads);
  if (threads > 1) socket->use_workers(&workers, kQueue);
  PacketPool pool(4096);
  std::vector<std::unique_ptr<Receiver>> rx;
  for (size_t i = 0; i < receivers; ++i) {
    rx.push_back(std::make_unique<Receiver>());
    srtp::SrtpKeys keys;
    keys.local_key.fill(uint8_t(i));
    keys.remote_key.fill(uint8_t(i + 1));
    if (!rx.back()->srtp.start(keys)) std::exit(1);
  }
  size_t sent = 0;
  auto start = BenchClock::now();
  double cpu0 = cpu_seconds();
  auto deadline = start + std::chrono::duration<double>(seconds);
  while (BenchClock::now() < deadline) {
    for (size_t k = 0; k < kQueue; ++k) {  // one incoming packet fanned out to everyone
      Receiver& r = *rx[k % receivers];
      Packet p = pool.acquire();
      uint8_t* d = p.data();
      std::memset(d, 0, kPacketSize);
      d[0] = 0x80;
      d[1] = 96;
      store_be16(d + 2, r.seq++);
      store_be32(d + 8, 0x1000 + uint32_t(k % receivers));
      p.set_size(kPacketSize);
      socket->send(std::move(p), dest, &r.protect);
    }
    socket->flush();
    sent += kQueue;
  }
  double wall = std::chrono::duration<double>(BenchClock::now() - start).count();
  double cpu = cpu_seconds() - cpu0;
  std::printf("threads %zu: %8.0f pkt/s, CPU %.0f%% (%.0f ns CPU per packet), %llu sent, %llu dropped\n", threads,
              double(sent) / wall, 100 * cpu / wall, cpu * 1e9 / double(sent),
              (unsigned long long)socket->counters().sent, (unsigned long long)socket->counters().send_dropped);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: send_bench DEST_IP [receivers=100] [max_threads=2] [seconds=3]\n");
    return 2;
  }
  auto dest = SocketAddress::parse_ip(argv[1]);
  if (!dest) return 2;
  dest->set_port(9);
  size_t receivers = argc > 2 ? size_t(std::atoi(argv[2])) : 100;
  size_t max_threads = argc > 3 ? size_t(std::atoi(argv[3])) : 2;
  double seconds = argc > 4 ? std::atof(argv[4]) : 3;
  for (size_t t = 1; t <= max_threads; ++t) run(*dest, receivers, t, seconds);
}
