// ns per SRTP protect / unprotect of a 1172-byte RTP packet, plus SRTCP, through
// umbrella::srtp::SrtpSession, for AES_CM_128_HMAC_SHA1_80 and AEAD_AES_128_GCM (what
// browsers negotiate with us). Prints figures and the ratio; not a test.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "srtp/session.hpp"

using namespace umbrella;
using namespace umbrella::srtp;
using BenchClock = std::chrono::steady_clock;

namespace {

constexpr size_t kPacketSize = 1172;
constexpr size_t kSlot = 1200;
constexpr int kPackets = 20000;
constexpr int kRounds = 5;

const uint8_t kKey[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
const uint8_t kSalt[14] = {21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34};

double ns_per(BenchClock::duration d, int n) {
  return double(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count()) / n;
}

void fill_rtp(uint8_t* p, uint16_t seq) {
  p[0] = 0x80;
  p[1] = 96;
  store_be16(p + 2, seq);
  store_be32(p + 4, 90000u + seq);
  store_be32(p + 8, 0x12345678);
}

SrtpSession session(Profile profile, Direction d) {
  auto s = SrtpSession::create(profile, Bytes(kKey), Bytes(kSalt, salt_length(profile)), d);
  if (!s.ok()) {
    std::fprintf(stderr, "srtp session: %s\n", std::string(to_string(s.error())).c_str());
    std::exit(1);
  }
  return std::move(s).value();
}

double bench(Profile profile) {
  std::vector<uint8_t> plain(kPacketSize, 0x5A);
  std::vector<uint8_t> store(size_t(kPackets) * kSlot);
  std::vector<size_t> lengths(kPackets);
  double best_protect = 1e18, best_unprotect = 1e18, best_copy = 1e18;
  double best_rtcp_protect = 1e18, best_rtcp_unprotect = 1e18;

  for (int round = 0; round < kRounds; ++round) {
    auto out = session(profile, Direction::kOutbound);
    auto in = session(profile, Direction::kInbound);

    // Baseline: the copy each protect iteration does (an SFU copies per subscriber too).
    auto t0 = BenchClock::now();
    for (int i = 0; i < kPackets; ++i) {
      uint8_t* p = &store[size_t(i) * kSlot];
      std::memcpy(p, plain.data(), kPacketSize);
      fill_rtp(p, uint16_t(i));
    }
    best_copy = std::min(best_copy, ns_per(BenchClock::now() - t0, kPackets));

    t0 = BenchClock::now();
    for (int i = 0; i < kPackets; ++i) {
      uint8_t* p = &store[size_t(i) * kSlot];
      std::memcpy(p, plain.data(), kPacketSize);
      fill_rtp(p, uint16_t(i));
      auto n = out.protect_rtp(p, kPacketSize, kSlot);
      if (!n.ok()) { std::fprintf(stderr, "protect failed\n"); std::exit(1); }
      lengths[size_t(i)] = *n;
    }
    best_protect = std::min(best_protect, ns_per(BenchClock::now() - t0, kPackets));

    t0 = BenchClock::now();
    for (int i = 0; i < kPackets; ++i) {
      auto n = in.unprotect_rtp(&store[size_t(i) * kSlot], lengths[size_t(i)]);
      if (!n.ok()) { std::fprintf(stderr, "unprotect failed\n"); std::exit(1); }
    }
    best_unprotect = std::min(best_unprotect, ns_per(BenchClock::now() - t0, kPackets));

    // SRTCP: a 100-byte compound-sized packet (SR + SDES-ish).
    constexpr size_t kRtcpSize = 100;
    t0 = BenchClock::now();
    for (int i = 0; i < kPackets; ++i) {
      uint8_t* p = &store[size_t(i) * kSlot];
      std::memset(p, 0, kRtcpSize);
      p[0] = 0x80;
      p[1] = 200;
      store_be16(p + 2, uint16_t(kRtcpSize / 4 - 1));
      store_be32(p + 4, 0x12345678);
      auto n = out.protect_rtcp(p, kRtcpSize, kSlot);
      if (!n.ok()) { std::fprintf(stderr, "protect_rtcp failed\n"); std::exit(1); }
      lengths[size_t(i)] = *n;
    }
    best_rtcp_protect = std::min(best_rtcp_protect, ns_per(BenchClock::now() - t0, kPackets));
    t0 = BenchClock::now();
    for (int i = 0; i < kPackets; ++i) {
      auto n = in.unprotect_rtcp(&store[size_t(i) * kSlot], lengths[size_t(i)]);
      if (!n.ok()) { std::fprintf(stderr, "unprotect_rtcp failed\n"); std::exit(1); }
    }
    best_rtcp_unprotect = std::min(best_rtcp_unprotect, ns_per(BenchClock::now() - t0, kPackets));
  }

  std::printf("srtp_bench: %s, %zu-byte RTP, best of %d rounds x %d packets\n",
              std::string(profile_name(profile)).c_str(), kPacketSize, kRounds, kPackets);
  std::printf("  protect_rtp     %8.0f ns/packet (incl. %.0f ns copy+header; net %.0f ns, %.0f MB/s)\n",
              best_protect, best_copy, best_protect - best_copy,
              kPacketSize * 1e3 / (best_protect - best_copy));
  std::printf("  unprotect_rtp   %8.0f ns/packet (%.0f MB/s)\n", best_unprotect, kPacketSize * 1e3 / best_unprotect);
  std::printf("  protect_rtcp    %8.0f ns/packet (100 bytes)\n", best_rtcp_protect);
  std::printf("  unprotect_rtcp  %8.0f ns/packet (100 bytes)\n", best_rtcp_unprotect);
  return best_protect - best_copy;
}

}  // namespace

int main() {
  double cm = bench(Profile::kAes128CmSha1_80);
  double gcm = bench(Profile::kAeadAes128Gcm);
  std::printf("srtp_bench: protect (net of the copy) GCM/CM = %.2f\n", gcm / cm);
  return 0;
}
