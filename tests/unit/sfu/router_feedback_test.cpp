#include <doctest/doctest.h>

#include <array>

#include "rtp/rtcp_feedback.hpp"
#include "rtp/rtx.hpp"
#include "sfu_test_util.hpp"

using namespace umbrella;
using namespace umbrella::sfu;
using namespace umbrella::sfu::test;

namespace {

std::vector<uint8_t> pli(uint32_t media_ssrc) {
  std::vector<uint8_t> b(64);
  b.resize(rtp::build_pli(b, 0x5EED, media_ssrc));
  return b;
}

std::vector<uint8_t> nack(uint32_t media_ssrc, std::vector<uint16_t> seqs) {
  std::vector<uint8_t> b(256);
  b.resize(rtp::build_nack(b, 0x5EED, media_ssrc, seqs));
  return b;
}

// Sequence numbers NACKed to a transport, from every NACK sent.
std::vector<uint16_t> nacked(const RecordingOutbox& out, TransportId to) {
  std::vector<uint16_t> seqs;
  for (const auto& r : out.rtcp) {
    if (r.to != to) continue;
    rtp::RtcpIterator it(r.bytes);
    while (auto h = it.next()) {
      if (!h->is(rtp::RtcpType::kRtpfb) || h->fmt() != rtp::kFmtNack) continue;
      auto n = rtp::parse_nack(*h);
      n->for_each_lost([&](uint16_t s) { seqs.push_back(s); });
    }
  }
  return seqs;
}

}  // namespace

TEST_CASE("a new video subscription asks the publisher for a keyframe at once") {
  PacketPool pool(16);
  RecordingOutbox out(pool);
  Router r(out);
  r.add_stream(video_stream(1, 10, 0x1111));
  auto audio = video_stream(2, 10, 0x2222);
  audio.kind = Kind::kAudio;
  r.add_stream(audio);
  r.add_subscription(subscription(2, 20, 0xBBBB));
  CHECK(out.rtcp.empty());
  r.add_subscription(subscription(1, 20, 0xAAAA));
  REQUIRE(out.rtcp.size() == 1);
  CHECK(out.rtcp[0].to == 10);
  rtp::RtcpIterator it(out.rtcp[0].bytes);
  auto rr = it.next();
  REQUIRE(rr);
  CHECK(rr->is(rtp::RtcpType::kRr));
  auto h = it.next();
  REQUIRE(h);
  auto p = rtp::parse_pli(*h);
  REQUIRE(p);
  CHECK(p->media_ssrc == 0x1111);
  CHECK(r.stream_counters(1)->plis_sent == 1);
}

TEST_CASE("subscriber PLI and FIR are translated, merged and rate limited") {
  PacketPool pool(16);
  RecordingOutbox out(pool);
  Router r(out);
  r.add_stream(video_stream(1, 10, 0x1111));
  r.add_subscription(subscription(1, 20, 0xAAAA));
  r.add_subscription(subscription(1, 21, 0xBBBB));
  Instant t = t0();
  r.on_timeout(t);
  out.clear();
  r.on_timeout(t + milliseconds(400));  // the subscriptions' own PLIs are old enough now
  t += milliseconds(400);
  r.on_rtcp(20, pli(0xAAAA), t);
  CHECK(out.count_rtcp(10, rtp::RtcpType::kPsfb, rtp::kFmtPli) == 1);
  r.on_rtcp(21, pli(0xBBBB), t + milliseconds(10));
  std::array<rtp::FirEntry, 1> fe{{{0xAAAA, 1}}};
  std::vector<uint8_t> fir(64);
  fir.resize(rtp::build_fir(fir, 0x5EED, fe));
  r.on_rtcp(20, fir, t + milliseconds(20));
  CHECK(out.count_rtcp(10, rtp::RtcpType::kPsfb, rtp::kFmtPli) == 1);  // merged
  CHECK(r.subscription_counters(1, 20)->plis_received == 2);
  CHECK(r.next_deadline() == t + milliseconds(300));
  r.on_timeout(t + milliseconds(299));
  CHECK(out.count_rtcp(10, rtp::RtcpType::kPsfb, rtp::kFmtPli) == 1);
  r.on_timeout(t + milliseconds(300));
  CHECK(out.count_rtcp(10, rtp::RtcpType::kPsfb, rtp::kFmtPli) == 2);  // the pending one
  r.on_timeout(t + milliseconds(900));
  CHECK(out.count_rtcp(10, rtp::RtcpType::kPsfb, rtp::kFmtPli) == 2);  // nothing pending
  // PLI about an SSRC that transport does not receive.
  r.on_rtcp(21, pli(0xAAAA), t + seconds(2));
  CHECK(r.counters().unknown_feedback == 1);
}

TEST_CASE("subscriber NACKs are answered from the cache, plain or RTX") {
  PacketPool pool(64);
  RecordingOutbox out(pool);
  Router r(out);
  r.add_stream(video_stream(1, 10, 0x1111));
  r.add_subscription(subscription(1, 20, 0xAAAA));
  auto with_rtx = subscription(1, 21, 0xBBBB);
  with_rtx.rtx_ssrc = 0xBBBC;
  with_rtx.rtx_payload_type = 103;
  r.add_subscription(with_rtx);
  Instant t = t0();
  for (uint16_t s = 100; s < 110; ++s)
    r.on_rtp(10, make_rtp(pool, {.seq = s, .ts = uint32_t(s) * 3000}), t);
  std::vector<SentRtp> forwarded = out.rtp;
  auto find_sent = [&](TransportId to, uint32_t ts_in) {
    return rtp::parse_rtp(forwarded[(ts_in / 3000 - 100) * 2 + (to == 21 ? 1 : 0)].bytes).value();
  };
  auto plain_orig = find_sent(20, 103 * 3000);
  auto rtx_orig = find_sent(21, 103 * 3000);
  out.clear();

  r.on_rtcp(20, nack(0xAAAA, {plain_orig.sequence, uint16_t(plain_orig.sequence + 100)}), t);
  REQUIRE(out.rtp.size() == 1);
  auto v = rtp::parse_rtp(out.rtp[0].bytes);
  REQUIRE(v);
  CHECK(v->ssrc == 0xAAAA);
  CHECK(v->sequence == plain_orig.sequence);
  CHECK(v->timestamp == plain_orig.timestamp);
  CHECK(v->payload_type == 102);
  const auto* c = r.subscription_counters(1, 20);
  CHECK(c->nacks_received == 1);
  CHECK(c->retransmitted == 1);
  CHECK(c->retransmit_misses == 1);

  r.on_rtcp(21, nack(0xBBBB, {rtx_orig.sequence}), t);
  REQUIRE(out.rtp.size() == 2);
  auto w = rtp::parse_rtp(out.rtp[1].bytes);
  REQUIRE(w);
  CHECK(w->ssrc == 0xBBBC);
  CHECK(w->payload_type == 103);
  CHECK(w->timestamp == rtx_orig.timestamp);
  CHECK(rtp::rtx_original_sequence(*w) == rtx_orig.sequence);
  CHECK(w->payload.size() == 102);

  // Gone from the cache after its max age.
  r.on_rtcp(21, nack(0xBBBB, {rtx_orig.sequence}), t + seconds(2));
  CHECK(out.rtp.size() == 2);
  CHECK(r.subscription_counters(1, 21)->retransmit_misses == 1);
}

TEST_CASE("gaps from a publisher are NACKed, retried and given up") {
  PacketPool pool(64);
  RecordingOutbox out(pool);
  Router r(out);
  r.add_stream(video_stream(1, 10, 0x1111));
  Instant t = t0();
  r.on_rtp(10, make_rtp(pool, {.seq = 100}), t);
  r.on_rtp(10, make_rtp(pool, {.seq = 103}), t);
  CHECK(r.next_deadline() <= t);
  r.on_timeout(t);
  CHECK(nacked(out, 10) == std::vector<uint16_t>{101, 102});
  CHECK(r.stream_counters(1)->nacks_sent == 1);
  // 101 arrives (say, by RTX); 102 is retried about one RTT later.
  r.on_rtp(10, make_rtp(pool, {.seq = 101}), t + milliseconds(50));
  out.clear();
  r.on_timeout(t + milliseconds(100));
  CHECK(nacked(out, 10) == std::vector<uint16_t>{102});
  for (int i = 2; i < 20; ++i) r.on_timeout(t + milliseconds(100 * i));
  CHECK(r.stream_counters(1)->nacks_sent == 3);  // three tries, then given up
  CHECK(r.stream_counters(1)->lost == 1);
  // Giving up asks for a keyframe.
  CHECK(r.stream_counters(1)->plis_sent == 1);
}
