#include <doctest/doctest.h>

#include "capped_link.hpp"
#include "rtp/rtp_extensions.hpp"

using namespace umbrella;
using namespace umbrella::sfu;
using namespace umbrella::sfu::test;

namespace {

struct Call {
  PacketPool pool{1024};
  CappedSubscriber link{pool};
  Router router{link};
  Instant now = t0();
  uint16_t vseq = 1, aseq = 1, twcc = 1;
  std::vector<std::pair<TransportId, bool>> changes;

  Call() {
    link.router = &router;
    auto audio = video_stream(2, 10, 0x2222);
    audio.kind = Kind::kAudio;
    audio.clock_rate = 48000;
    router.add_stream(video_stream(1, 10, 0x1111));
    router.add_stream(audio);
    auto v = subscription(1, 20, 0xAAAA);
    v.rtx_ssrc = 0xAAAB;
    v.rtx_payload_type = 103;
    router.add_subscription(v);
    auto a = subscription(2, 20, 0xBBBB);
    router.add_subscription(a);
  }
  // A publisher sending 800 kbit/s of video and 40 kbit/s of audio, for `d`.
  void run(Duration d) {
    for (Instant end = now + d; now < end; now += milliseconds(10)) {
      for (int i = 0; i < 1; ++i) send(0x1111, vseq++, 1000);
      if ((now - t0()) % milliseconds(20) == Duration(0)) send(0x2222, aseq++, 100);
      link.run_until(now);
      if (router.next_deadline() <= now) router.on_timeout(now);
      std::vector<std::pair<TransportId, bool>> c;
      router.take_pause_changes(c);
      changes.insert(changes.end(), c.begin(), c.end());
    }
  }
  void send(uint32_t ssrc, uint16_t seq, size_t payload) {
    auto value = rtp::encode_transport_cc_seq(twcc++);
    MediaSpec m{ssrc, seq, uint32_t(seq) * 3000, 96, {{5, Bytes(value)}}, payload};
    router.on_rtp(10, make_rtp(pool, m), now);
  }
};

}  // namespace

TEST_CASE("bandwidth: packets to a transport-cc subscriber carry one transport-wide numbering") {
  PacketPool pool(16);
  RecordingOutbox out(pool);
  Router r(out);
  auto audio = video_stream(2, 10, 0x2222);
  audio.kind = Kind::kAudio;
  r.add_stream(video_stream(1, 10, 0x1111));
  r.add_stream(audio);
  r.add_subscription(subscription(1, 20, 0xAAAA));
  r.add_subscription(subscription(2, 20, 0xBBBB));
  auto no_cc = subscription(1, 21, 0xCCCC);
  no_cc.extensions.transport_cc = 0;
  r.add_subscription(no_cc);
  for (uint16_t i = 0; i < 3; ++i) {
    auto v = rtp::encode_transport_cc_seq(uint16_t(500 + i));
    r.on_rtp(10, make_rtp(pool, {0x1111, uint16_t(100 + i), 0, 96, {{5, Bytes(v)}}}), t0());
    r.on_rtp(10, make_rtp(pool, {0x2222, uint16_t(100 + i), 0, 96, {{5, Bytes(v)}}}), t0());
  }
  // A source packet without the element cannot be numbered and is sent as it is.
  r.on_rtp(10, make_rtp(pool, {0x1111, 103, 0, 96}), t0());
  std::vector<uint16_t> seqs;
  for (const auto& p : out.rtp) {
    REQUIRE(p.ok);
    auto s = transport_seq(p.bytes, 9);
    if (p.to == 21) CHECK_FALSE(transport_seq(p.bytes, 5));  // not negotiated: dropped
    if (p.to == 20 && s) seqs.push_back(*s);
  }
  CHECK(seqs == std::vector<uint16_t>{1, 2, 3, 4, 5, 6});
  REQUIRE(r.bandwidth(20));
  CHECK(r.bandwidth(20)->estimator.bps() == bwe::Estimator::kStartBps);
  CHECK_FALSE(r.bandwidth(21));
}

TEST_CASE("bandwidth: video pauses when the link cannot carry it, audio goes on, video resumes when it can") {
  Call c;
  c.link.capacity_bps = 2000000;
  c.run(seconds(10));
  const SubscriberBandwidth* bw = c.router.bandwidth(20);
  REQUIRE(bw);
  CHECK_FALSE(bw->paused());
  CHECK(bw->estimator.bps() >= 800000);
  CHECK(c.changes.empty());

  c.link.capacity_bps = 200000;  // a quarter of the video
  c.run(seconds(15));
  CHECK(bw->paused());
  REQUIRE(c.changes.size() == 1);
  CHECK(c.changes[0] == std::pair<TransportId, bool>{20, true});
  CHECK(bw->estimator.bps() <= 300000);
  // Paused, only audio (40 kbit/s) and probes show the link: the estimate stays below the cap.
  CHECK(bw->estimator.bps() >= 60000);
  uint64_t video = c.link.video_packets, audio = c.link.audio_packets;
  c.run(seconds(5));
  CHECK(c.link.video_packets == video);  // paused
  CHECK(c.link.audio_packets > audio);   // audio still flows
  CHECK(c.router.subscription_counters(1, 20)->paused > 0);
  CHECK(c.router.subscription_counters(2, 20)->paused == 0);

  c.link.capacity_bps = 3000000;
  uint64_t padding = c.link.padding_packets;
  c.run(seconds(15));
  CHECK(c.link.padding_packets > padding);  // probed its way up
  CHECK_FALSE(bw->paused());
  REQUIRE(c.changes.size() == 2);
  CHECK(c.changes[1] == std::pair<TransportId, bool>{20, false});
  video = c.link.video_packets;
  c.run(seconds(2));
  CHECK(c.link.video_packets > video);
  CHECK(c.router.counters().bandwidth_pauses == 1);
  CHECK(c.router.counters().bandwidth_resumes == 1);
}
