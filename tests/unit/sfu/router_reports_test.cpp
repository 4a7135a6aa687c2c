#include <doctest/doctest.h>

#include "rtp/rtcp_feedback.hpp"
#include "rtp/rtcp_reports.hpp"
#include "rtp/rtcp_twcc.hpp"
#include "sfu_test_util.hpp"

using namespace umbrella;
using namespace umbrella::sfu;
using namespace umbrella::sfu::test;

TEST_CASE("RR to publishers and SR to subscribers about once a second, with CNAME") {
  PacketPool pool(64);
  RecordingOutbox out(pool);
  RouterConfig cfg;
  cfg.cname = "sfu-test";
  Router r(out, cfg);
  r.add_stream(video_stream(1, 10, 0x1111));
  auto audio = video_stream(2, 10, 0x2222);
  audio.kind = Kind::kAudio;
  audio.clock_rate = 48000;
  audio.cname = "alice";
  r.add_stream(audio);
  r.add_subscription(subscription(1, 20, 0xAAAA));
  r.add_subscription(subscription(2, 20, 0xBBBB));
  Instant t = t0();
  for (uint16_t s = 0; s < 10; ++s) {
    r.on_rtp(10, make_rtp(pool, {.ssrc = 0x1111, .seq = s, .ts = s * 3000u}), t);
    if (s == 4) continue;  // one audio loss (audio is not NACKed)
    r.on_rtp(10, make_rtp(pool, {.ssrc = 0x2222, .seq = s, .ts = s * 960u}), t);
  }
  // The publisher's SR is consumed, and anchors the subscribers' SRs.
  std::vector<uint8_t> sr(64);
  sr.resize(rtp::build_sr(sr, 0x2222, {0x1234567800000000ULL, 9 * 960, 9, 900}));
  r.on_rtcp(10, sr, t);
  out.clear();
  CHECK(r.next_deadline() <= t + seconds(1));
  r.on_timeout(t + milliseconds(500));
  CHECK(out.count_rtcp(10, rtp::RtcpType::kRr) == 0);
  r.on_timeout(t + seconds(1));
  // One RR with both streams' blocks to the publisher.
  REQUIRE(out.count_rtcp(10, rtp::RtcpType::kRr) == 1);
  CHECK(out.count_rtcp(10, rtp::RtcpType::kSdes) == 1);
  for (const auto& c : out.rtcp) {
    rtp::RtcpIterator it(c.bytes);
    auto first = it.next();
    REQUIRE(first);
    CHECK((first->is(rtp::RtcpType::kRr) || first->is(rtp::RtcpType::kSr)));
    auto sdes = it.next();
    REQUIRE(sdes);
    auto sv = rtp::parse_sdes(*sdes);
    REQUIRE(sv);
    if (c.to == 10) {
      auto rr = rtp::parse_rr(*first);
      REQUIRE(rr);
      REQUIRE(rr->blocks.size() == 2);
      CHECK(rr->blocks[0].cumulative_lost == 0);
      CHECK(rr->blocks[1].ssrc == 0x2222);
      CHECK(rr->blocks[1].cumulative_lost == 1);
      CHECK(sv->chunks[0].cname == "sfu-test");
    } else {
      auto s = rtp::parse_sr(*first);
      REQUIRE(s);
      CHECK(c.to == 20);
      if (s->ssrc == 0xBBBB) {
        CHECK(s->info.ntp_timestamp == 0x1234567800000000ULL + (1ULL << 32));
        CHECK(s->info.packet_count == 9);
        CHECK(s->info.rtp_timestamp - s->info.rtp_timestamp == 0);
        CHECK(sv->chunks[0].cname == "alice");
      } else {
        CHECK(s->ssrc == 0xAAAA);
        CHECK(sv->chunks[0].cname == "sfu-test");
      }
    }
  }
  CHECK(out.count_rtcp(20, rtp::RtcpType::kSr) == 2);
  CHECK(out.rtp.empty());  // nothing was forwarded from the publisher's RTCP
  CHECK(r.next_deadline() <= t + seconds(2));
}

TEST_CASE("REMB and transport-cc feedback from subscribers are counted and dropped") {
  PacketPool pool(16);
  RecordingOutbox out(pool);
  Router r(out);
  r.add_stream(video_stream(1, 10, 0x1111));
  auto sub = subscription(1, 20, 0xAAAA);
  sub.extensions.transport_cc = 0;  // not negotiated: no estimate to take the feedback
  r.add_subscription(sub);
  out.clear();
  std::vector<uint8_t> remb(64);
  uint32_t ssrcs[1] = {0xAAAA};
  remb.resize(rtp::build_remb(remb, 0x5EED, 1000000, ssrcs));
  r.on_rtcp(20, remb, t0());
  std::vector<uint8_t> twcc = {0x8F, 205, 0, 4, 0, 0, 0x5E, 0xED, 0, 0, 0xAA, 0xAA,
                               0, 1, 0, 0, 0, 0, 0, 0};
  r.on_rtcp(20, twcc, t0());
  CHECK(r.counters().remb_dropped == 1);
  CHECK(r.counters().twcc_dropped == 1);
  CHECK(out.rtcp.empty());
  uint8_t junk[5] = {0x80, 200, 0, 9, 1};
  r.on_rtcp(20, junk, t0());
  CHECK(r.counters().malformed_rtcp == 1);
  // A subscriber with an estimate: the same feedback (status count 0) is refused, counted.
  r.add_subscription(subscription(1, 21, 0xBBBB));
  r.on_rtcp(21, twcc, t0());
  CHECK(r.counters().malformed_rtcp == 2);
  REQUIRE(r.bandwidth(21));
  CHECK(r.bandwidth(21)->counters.malformed_feedback == 1);
  CHECK(r.bandwidth(21)->counters.feedback == 0);
}
