// SRTP protect deferred to the media socket's flush and spread over worker threads: what
// arrives must decrypt with each receiver's keys, in order, with nothing lost or doubled.
#include <doctest/doctest.h>

#include <array>
#include <cstring>
#include <memory>
#include <vector>

#include "core/udp_pair.hpp"
#include "core/udp_socket.hpp"
#include "core/worker_pool.hpp"
#include "rtc/srtp_channel.hpp"

using namespace umbrella;
using namespace umbrella::rtc;

namespace {

srtp::SrtpKeys keys_for(uint8_t n, bool sender) {
  srtp::SrtpKeys k;
  srtp::MasterKey a{}, b{};
  srtp::MasterSalt sa{}, sb{};
  a.fill(n);
  b.fill(uint8_t(n + 100));
  sa.fill(uint8_t(n + 1));
  sb.fill(uint8_t(n + 101));
  k.local_key = sender ? a : b;
  k.local_salt = sender ? sa : sb;
  k.remote_key = sender ? b : a;
  k.remote_salt = sender ? sb : sa;
  return k;
}

struct Sender {
  SrtpChannel srtp;
  TransportCounters counters;
  RtpProtect protect{srtp, counters};
};

void write_rtp(Packet& p, uint32_t ssrc, uint16_t seq) {
  uint8_t* d = p.data();
  std::memset(d, 0, 200);
  d[0] = 0x80;
  d[1] = 96;
  d[2] = uint8_t(seq >> 8);
  d[3] = uint8_t(seq);
  d[8] = uint8_t(ssrc >> 24);
  d[9] = uint8_t(ssrc >> 16);
  d[10] = uint8_t(ssrc >> 8);
  d[11] = uint8_t(ssrc);
  std::memset(d + 12, int(seq & 0xff), 188);
  p.set_size(200);
}

}  // namespace

TEST_CASE("SRTP protect on three threads: every packet decrypts, per stream in order") {
  constexpr size_t kStreams = 8, kPerStream = 100;
  test::UdpPair sockets;
  WorkerPool workers(3);
  sockets.a.use_workers(&workers, 512);
  PacketPool pool(2048);

  std::vector<std::unique_ptr<Sender>> senders;
  std::vector<SrtpChannel> receivers(kStreams);
  std::vector<TransportCounters> receiver_counters(kStreams);
  for (uint8_t s = 0; s < kStreams; ++s) {
    senders.push_back(std::make_unique<Sender>());
    REQUIRE(senders.back()->srtp.start(keys_for(s, true)));
    REQUIRE(receivers[s].start(keys_for(s, false)));
  }
  for (uint16_t seq = 0; seq < kPerStream; ++seq)
    for (uint32_t s = 0; s < kStreams; ++s) {
      Packet p = pool.acquire();
      REQUIRE(p);
      write_rtp(p, 1000 + s, seq);
      sockets.a.send(p, sockets.to_b, &senders[s]->protect);
    }
  CHECK(sockets.a.flush());
  for (auto& s : senders) CHECK(s->counters.rtp_out == kPerStream);

  std::vector<uint16_t> next(kStreams, 0);
  size_t received = sockets.receive(pool, kStreams * kPerStream, [&](Packet& p) {
    REQUIRE(p.size() == 210);  // 200 + the 80-bit tag
    uint32_t s = uint32_t(p.data()[11]) - 1000 % 256;
    REQUIRE(s < kStreams);
    REQUIRE(receivers[s].unprotect(p, receiver_counters[s]) == SrtpChannel::Received::kRtp);
    uint16_t seq = uint16_t(p.data()[2] << 8 | p.data()[3]);
    CHECK(seq == next[s]);
    CHECK(p.data()[12] == uint8_t(seq & 0xff));
    next[s] = uint16_t(seq + 1);
  });
  CHECK(received == kStreams * kPerStream);
  for (auto& c : receiver_counters) CHECK(c.srtp_auth_failed == 0);
}
