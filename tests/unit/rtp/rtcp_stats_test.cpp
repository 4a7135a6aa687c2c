#include <doctest/doctest.h>

#include "rtp/ntp.hpp"
#include "rtp/rtcp_stats.hpp"

using namespace umbrella;
using namespace umbrella::rtp;

namespace {
const Instant t0 = Instant{} + seconds(100);
}

TEST_CASE("NTP helpers") {
  CHECK(ntp_from_unix(Duration(0)) == kNtpUnixEpochOffset << 32);
  CHECK(ntp_from_unix(milliseconds(1500)) == ((kNtpUnixEpochOffset + 1) << 32 | 0x80000000ULL));
  CHECK(ntp_compact(0x1122334455667788ULL) == 0x33445566u);
  CHECK(to_compact_ntp(seconds(1)) == 65536u);
  CHECK(to_compact_ntp(milliseconds(500)) == 32768u);
  CHECK(from_compact_ntp(65536) == seconds(1));
  NtpClock clock(t0, seconds(1700000000));
  CHECK(clock.ntp(t0 + seconds(2)) == ntp_from_unix(seconds(1700000002)));
  // RTT: SR sent at compact 0x10000 (1 s), held 0.5 s, RR arrives at 1.6 s -> 100 ms.
  CHECK(rtt_from_report(0x10000 + 0x8000 + 6554, 0x10000, 0x8000) ==
        from_compact_ntp(6554));
  CHECK(rtt_from_report(5, 0, 0) == Duration(-1));
  CHECK(rtt_from_report(5, 10, 0) == Duration(0));
}

TEST_CASE("receive statistics: loss, fraction lost per interval, wrap-around") {
  ReceiveStatistics st(0x1234, 90000);
  Instant t = t0;
  for (uint16_t s = 65530; s != 10; ++s) {  // 16 packets across the wrap
    if (s == 65535 || s == 3) continue;      // 2 lost
    st.on_rtp(s, 1000, 100, t);
    t += milliseconds(10);
  }
  CHECK(st.extended_highest_sequence() == 65536 + 9);
  CHECK(st.cumulative_lost() == 2);
  CHECK(st.packets_received() == 14);
  CHECK(st.bytes_received() == 1400);
  ReportBlock b = st.report_block(t);
  CHECK(b.ssrc == 0x1234);
  CHECK(b.cumulative_lost == 2);
  CHECK(b.fraction_lost == (2 << 8) / 16);
  CHECK(b.extended_highest_seq == 65536 + 9);
  CHECK(b.lsr == 0);
  CHECK(b.dlsr == 0);
  // Next interval: no loss.
  for (uint16_t s = 10; s < 20; ++s) st.on_rtp(s, 1000, 100, t);
  b = st.report_block(t);
  CHECK(b.fraction_lost == 0);
  CHECK(b.cumulative_lost == 2);
  // A late duplicate counts as received (RFC 3550): lost may go negative, fraction stays 0.
  st.on_rtp(15, 1000, 100, t);
  st.on_rtp(15, 1000, 100, t);
  st.on_rtp(15, 1000, 100, t);
  b = st.report_block(t);
  CHECK(b.cumulative_lost == -1);
  CHECK(b.fraction_lost == 0);
}

TEST_CASE("receive statistics: a large jump resyncs only when confirmed") {
  ReceiveStatistics st(1, 90000);
  st.on_rtp(100, 0, 0, t0);
  st.on_rtp(101, 0, 0, t0);
  st.on_rtp(30000, 0, 0, t0);  // wild jump: ignored once
  CHECK(st.extended_highest_sequence() == 101);
  CHECK(st.packets_received() == 2);
  st.on_rtp(30001, 0, 0, t0);  // confirmed: the sender restarted
  CHECK(st.extended_highest_sequence() == 30001);
  CHECK(st.cumulative_lost() == 0);
}

TEST_CASE("receive statistics: jitter follows RFC 3550 A.8") {
  ReceiveStatistics steady(1, 90000);
  for (int i = 0; i < 50; ++i)
    steady.on_rtp(uint16_t(i), uint32_t(i * 3000), 0, t0 + milliseconds(i * 33) + microseconds(i * 333));
  CHECK(steady.jitter() < 2);  // perfectly paced (up to rounding)

  ReceiveStatistics jittery(1, 90000);
  for (int i = 0; i < 400; ++i) {
    // Every other packet 10 ms late: |D| = 900 ticks each step; J converges to ~900.
    Duration late = (i % 2) ? milliseconds(10) : Duration(0);
    jittery.on_rtp(uint16_t(i), uint32_t(i * 3000), 0, t0 + microseconds(i * 33333) + late);
  }
  CHECK(jittery.jitter() > 850);
  CHECK(jittery.jitter() < 950);

  // Packets of one frame (same timestamp) do not add jitter.
  ReceiveStatistics frames(1, 90000);
  uint16_t seq = 0;
  for (int f = 0; f < 30; ++f)
    for (int p = 0; p < 5; ++p)
      frames.on_rtp(seq++, uint32_t(f * 3000), 0, t0 + microseconds(f * 33333 + p * 2000));
  CHECK(frames.jitter() < 2);
}

TEST_CASE("receive statistics: LSR and DLSR from the last SR") {
  ReceiveStatistics st(1, 48000);
  st.on_rtp(1, 0, 10, t0);
  SenderInfo sr{0x0000AAAABBBB0000ULL, 0, 0, 0};
  st.on_sender_report(sr, t0 + seconds(1));
  ReportBlock b = st.report_block(t0 + milliseconds(1250));
  CHECK(b.lsr == 0xAAAABBBBu);
  CHECK(b.dlsr == 16384u);  // 0.25 s in 1/65536 s
}

TEST_CASE("send statistics build sender info with extrapolated RTP time") {
  SendStatistics st(9, 90000);
  CHECK_FALSE(st.has_sent());
  st.on_rtp_sent(90000, 1000, t0);
  st.on_rtp_sent(90000, 500, t0 + milliseconds(1));
  st.on_rtp_sent(87000, 100, t0 + milliseconds(2));  // older frame retransmitted: no effect
  CHECK(st.packets() == 3);
  CHECK(st.octets() == 1600);
  NtpClock clock(t0, seconds(1700000000));
  SenderInfo info = st.sender_info(t0 + milliseconds(100), clock);
  CHECK(info.rtp_timestamp == 90000 + 9000);
  CHECK(info.ntp_timestamp == ntp_from_unix(seconds(1700000000) + milliseconds(100)));
  CHECK(info.packet_count == 3);
  CHECK(info.octet_count == 1600);
}
