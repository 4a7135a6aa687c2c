// Simulcast in the router: layer choice per subscriber within its estimate, switches at a
// keyframe of the new layer with continuous numbering.
#include <doctest/doctest.h>

#include "capped_link.hpp"
#include "rtp/rtp_extensions.hpp"
#include "sfu/layer_allocation.hpp"

using namespace umbrella;
using namespace umbrella::sfu;
using namespace umbrella::sfu::test;

TEST_CASE("layers: tracks share a budget one step at a time") {
  auto track = [] {
    LayerChoice c;
    c.bps = {100000, 300000, 1000000};
    c.count = 3;
    return c;
  };
  std::vector<LayerChoice> two = {track(), track()};
  allocate_layers(two, 700000);
  CHECK(two[0].pick == 1);  // 300k + 300k; a step to 1M would not fit
  CHECK(two[1].pick == 1);
  allocate_layers(two, 1300000);
  CHECK(two[0].pick == 2);  // 1M + 300k
  CHECK(two[1].pick == 1);
  allocate_layers(two, 50000);  // nothing fits: the cheapest still go (pausing decides)
  CHECK(two[0].pick == 0);
  CHECK(two[1].pick == 0);
  allocate_layers(two, -1);  // no estimate: the best
  CHECK(two[0].pick == 2);
  two[1].cap = 1;  // e.g. a small tile
  allocate_layers(two, -1);
  CHECK(two[1].pick == 1);
  std::vector<LayerChoice> one_layer(1);
  one_layer[0].count = 1;
  one_layer[0].bps[0] = 500000;
  allocate_layers(one_layer, 1000);
  CHECK(one_layer[0].pick == 0);
  std::vector<LayerChoice> none(1);  // no live layer
  allocate_layers(none, 1000000);
  CHECK(none[0].pick == 0);
}

namespace {

// One packet per frame, numbered as libwebrtc does: a 15-bit PictureID and a TL0PICIDX
// (every frame on the base layer here), each layer from its own start.
std::vector<uint8_t> vp8_frame(bool key, size_t size, uint16_t height, uint16_t picture_id, uint8_t tl0) {
  std::vector<uint8_t> p(size, 0x55);
  const uint8_t descriptor[] = {0x90, 0xe0, uint8_t(0x80 | picture_id >> 8), uint8_t(picture_id), tl0, 0x00};
  std::copy(std::begin(descriptor), std::end(descriptor), p.begin());  // X, S; I, L, T
  auto frame = p.begin() + sizeof descriptor;
  if (key) {
    uint16_t width = uint16_t(height * 16 / 9);
    const uint8_t header[] = {0x00, 0x00, 0x00, 0x9d, 0x01, 0x2a, uint8_t(width), uint8_t(width >> 8),
                              uint8_t(height), uint8_t(height >> 8)};
    std::copy(std::begin(header), std::end(header), frame);
  } else {
    frame[0] = 0x01;
  }
  return p;
}

// A publisher on transport 10 with three layers (ids 1-3, first = 1) of about 120, 320 and
// 800 kbit/s and 180, 360 and 720 pixels tall, a keyframe on each every 500 ms; transport 20 behind the capped link, 21 with
// no transport-cc.
struct SimulcastCall {
  static constexpr uint32_t kSsrc[3] = {0x1001, 0x1002, 0x1003};
  static constexpr size_t kSize[3] = {150, 400, 1000};
  static constexpr uint16_t kHeight[3] = {180, 360, 720};
  // Far apart, and the top layer's ahead of the others (a switch down goes back).
  static constexpr uint16_t kFirstPicture[3] = {100, 20000, 32700};
  PacketPool pool{2048};
  CappedSubscriber link{pool};
  Router router{link};
  Instant now = t0();
  uint16_t seq[3] = {1, 1, 1}, twcc = 1;
  int tick = 0;

  SimulcastCall() {
    link.router = &router;
    for (uint32_t i = 0; i < 3; ++i) {
      auto s = video_stream(1 + i, 10, kSsrc[i]);
      s.layer_of = 1;
      s.codecs = {{96, rtp::Codec::kVp8}};
      router.add_stream(s);
    }
    auto capped = subscription(1, 20, 0xAAAA);
    capped.rtx_ssrc = 0xAAAB;  // probes go as RTX padding
    capped.rtx_payload_type = 103;
    router.add_subscription(capped);
    auto plain = subscription(1, 21, 0xCCCC);
    plain.extensions.transport_cc = 0;
    router.add_subscription(plain);
  }
  void run(Duration d) {
    for (Instant end = now + d; now < end; now += milliseconds(10), ++tick) {
      for (size_t i = 0; i < 3; ++i) send(i, tick % 50 == 0);
      link.run_until(now);
      if (router.next_deadline() <= now) router.on_timeout(now);
    }
  }
  void send(size_t layer, bool key) {
    auto value = rtp::encode_transport_cc_seq(twcc++);
    auto payload = vp8_frame(key, kSize[layer], kHeight[layer], uint16_t((kFirstPicture[layer] + tick) & 0x7fff),
                             uint8_t(kFirstPicture[layer] + tick));
    Packet p = pool.acquire();
    std::vector<rtp::ExtensionValue> ext = {{5, Bytes(value)}};
    rtp::RtpHeader h{false, 96, seq[layer]++, uint32_t(tick) * 900, kSsrc[layer]};
    p.set_size(rtp::write_rtp_packet(MutableBytes(p.data(), p.capacity()), h, ext, payload));
    router.on_rtp(10, p, now);
  }
  LayerState layer(TransportId t) const { return router.subscription_layer(1, t); }
};

}  // namespace

TEST_CASE("layers: each subscriber gets what its link carries, switching at keyframes without a gap") {
  SimulcastCall c;
  c.link.capacity_bps = 3000000;
  c.run(seconds(8));
  CHECK(c.layer(20).layers == 3);
  CHECK(c.layer(20).layer == 2);
  CHECK(c.layer(20).reason == LayerReason::kBest);
  CHECK(c.layer(21).layer == 2);  // no estimate: the best
  CHECK(c.link.last_video_size > 1000);

  c.link.capacity_bps = 500000;  // the top layer does not fit
  c.run(seconds(15));
  const SubscriberBandwidth* bw = c.router.bandwidth(20);
  REQUIRE(bw);
  CHECK_FALSE(bw->paused());
  CHECK(c.layer(20).layer < 2);
  CHECK(c.layer(20).reason == LayerReason::kBandwidth);
  CHECK(c.layer(21).layer == 2);  // the other subscriber keeps the top layer
  uint64_t video = c.link.video_packets;
  c.run(seconds(2));
  CHECK(c.link.video_packets > video);  // lower, not frozen
  CHECK(c.link.last_video_size < 1000);

  c.link.capacity_bps = 3000000;  // lifted: probing finds it, the top layer comes back
  c.run(seconds(20));
  CHECK(c.layer(20).layer == 2);
  CHECK(c.link.last_video_size > 1000);
  CHECK(c.link.video_seq_gaps == 0);
  // The decoder's frame numbering goes on through every switch (a jump back would freeze it).
  CHECK(c.link.picture_id_breaks == 0);
  CHECK(c.link.tl0_breaks == 0);
  const SubscriptionCounters* counters = c.router.subscription_counters(1, 20);
  REQUIRE(counters);
  CHECK(counters->layer_switches >= 2);
  CHECK(c.router.counters().layer_switches >= 2);
  CHECK(c.router.subscribers(1) == 2);
}

TEST_CASE("layers: a switch waits for the new layer's keyframe; a quiet layer is left") {
  SimulcastCall c;
  c.link.capacity_bps = 3000000;
  c.run(milliseconds(600));
  // Subscribed before any layer was live: it sat on the first, and moves to the top at its
  // keyframe (every 500 ms here), not before.
  CHECK(c.layer(21).layer == 2);
  // The publisher stops its top layer (as a browser does on a short uplink): after the quiet
  // period the subscribers move down instead of freezing.
  for (Instant end = c.now + seconds(4); c.now < end; c.now += milliseconds(10), ++c.tick) {
    for (size_t i = 0; i < 2; ++i) c.send(i, c.tick % 50 == 0);
    c.link.run_until(c.now);
    if (c.router.next_deadline() <= c.now) c.router.on_timeout(c.now);
  }
  CHECK(c.layer(21).layers == 2);
  CHECK(c.layer(21).layer == 1);
  CHECK(c.link.video_seq_gaps == 0);
  // Unsubscribing finds the output in whichever layer it sits; removing the track removes all.
  c.router.remove_subscription(1, 21);
  CHECK(c.router.subscribers(1) == 1);
  c.router.remove_stream(1);
  CHECK(c.router.stream_count() == 0);
}

TEST_CASE("layers: the tile's size caps the layer; a hidden tile gets no video until shown again") {
  SimulcastCall c;
  c.link.capacity_bps = 3000000;
  c.run(seconds(6));
  REQUIRE(c.layer(21).layer == 2);
  c.router.set_view(1, 21, 300, c.now);  // a small tile: the 360-pixel layer is enough
  c.run(seconds(3));
  CHECK(c.layer(21).layer == 1);
  CHECK(c.layer(21).reason == LayerReason::kTileSize);
  c.router.set_view(1, 21, 100, c.now);
  c.run(seconds(3));
  CHECK(c.layer(21).layer == 0);
  c.router.set_view(1, 21, kViewAnySize, c.now);
  c.run(seconds(3));
  CHECK(c.layer(21).layer == 2);

  // Hidden (another page of the grid): nothing is sent to it, and it needs no bandwidth.
  c.router.set_view(1, 20, kViewHidden, c.now);
  uint64_t video = c.link.video_packets;
  c.run(seconds(2));
  CHECK(c.link.video_packets == video);
  CHECK(c.router.subscription_counters(1, 20)->hidden > 0);
  c.router.set_view(1, 20, 720, c.now);
  c.run(seconds(2));
  CHECK(c.link.video_packets > video);
  CHECK(c.link.video_seq_gaps == 0);  // numbered on without a gap
}

TEST_CASE("layers: a server that falls behind lowers everyone's layers, then pauses video, audio last") {
  SimulcastCall c;
  c.link.capacity_bps = 3000000;
  c.run(seconds(6));
  REQUIRE(c.layer(21).layer == 2);
  c.router.set_load_level(1, c.now);
  c.run(seconds(2));
  CHECK(c.layer(21).layer == 1);
  CHECK(c.layer(21).reason == LayerReason::kOverload);
  c.router.set_load_level(2, c.now);
  c.run(seconds(2));
  CHECK(c.layer(21).layer == 0);
  CHECK(c.layer(20).layer == 0);
  uint64_t video = c.link.video_packets;
  c.router.set_load_level(kMaxLoadLevel, c.now);
  c.run(seconds(2));
  CHECK(c.link.video_packets == video);
  CHECK(c.router.counters().load_shed > 0);
  c.router.set_load_level(0, c.now);  // recovered: video back without a gap, then the best layer
  c.run(seconds(4));
  CHECK(c.link.video_packets > video);
  CHECK(c.layer(21).layer == 2);
  CHECK(c.layer(21).reason == LayerReason::kBest);
  CHECK(c.link.video_seq_gaps == 0);
}

TEST_CASE("layers: a subscription with far_sfu stays on its layer; removing the track's removes every layer's") {
  SimulcastCall c;
  c.link.capacity_bps = 3000000;
  for (StreamId layer = 1; layer <= 3; ++layer) {  // as a trunk subscribes: each layer, its own SSRC
    auto s = subscription(layer, 30, 0xD000 + layer);
    s.far_sfu = true;  // transport-cc negotiated: the element crosses, for the far SFU to number
    c.router.add_subscription(s);
  }
  c.run(seconds(4));
  CHECK(c.router.bandwidth(30) == nullptr);  // nothing estimated (or paused) toward another SFU
  CHECK(c.router.subscribers(1) == 5);
  for (StreamId layer = 1; layer <= 3; ++layer) {
    const SubscriptionCounters* counters = c.router.subscription_counters(layer, 30);
    REQUIRE(counters);
    CHECK(counters->packets > 300);  // every packet of its layer, 100 a second
    CHECK(counters->layer_switches == 0);
  }
  CHECK(c.layer(21).layer == 2);  // the others still move as before
  c.router.remove_subscription(1, 30);
  CHECK(c.router.subscribers(1) == 2);
  CHECK(c.router.subscription_counters(2, 30) == nullptr);
}
