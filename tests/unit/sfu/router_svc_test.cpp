// VP9 SVC through the router: an L3T3_KEY-like stream (three spatial layers, temporal pattern
// 0 2 1 2, two packets per layer frame) built with real payload descriptors, to subscribers
// that want different layers. And the per-subscriber selector's switching rules on their own.
#include <doctest/doctest.h>

#include <array>
#include <set>

#include "capped_link.hpp"
#include "svc_call.hpp"
#include "rtp/rtcp_feedback.hpp"
#include "rtp/rtp_extensions.hpp"
#include "rtp/vp9_descriptor.hpp"
#include "sfu/svc_selector.hpp"

using namespace umbrella;
using namespace umbrella::sfu;
using namespace umbrella::sfu::test;

namespace {

constexpr uint8_t kTemporalPattern[4] = {0, 2, 1, 2};
constexpr uint16_t kHeights[3] = {180, 360, 720};

struct SentPacket {
  uint16_t seq;
  bool marker;
  rtp::Vp9Descriptor d;
  std::vector<uint8_t> payload;
};

std::optional<SentPacket> read_sent(const SentRtp& r) {
  auto v = rtp::parse_rtp(r.bytes);
  if (!v) return std::nullopt;
  auto d = rtp::parse_vp9_descriptor(v->payload);
  if (!d) return std::nullopt;
  return SentPacket{v->sequence, v->marker, *d, std::vector<uint8_t>(v->payload.begin(), v->payload.end())};
}

// Publisher on transport 10 of stream 1 (SSRC 0x5000, VP9 as pt 96): 30 pictures a second.
struct SvcPublisher {
  static constexpr uint32_t kSsrc = 0x5000;
  static constexpr int kKeyEvery = 90;  // pictures (3 s)
  std::array<size_t, 3> size = {200, 200, 200};  // payload bytes per packet, by spatial layer
  bool transport_cc = false;  // carry the transport-wide number (extension 5)
  uint16_t seq = 40000, twcc = 1;
  uint16_t picture = 0x7ff0;  // 15 bits, wraps soon
  uint8_t tl0 = 250;
  int pictures = 0;
  std::set<uint16_t> keyframes;  // PictureIDs of keyframe pictures

  static PublishedStream stream(bool transport_cc) {
    auto s = video_stream(1, 10, kSsrc);
    if (!transport_cc) s.extensions.transport_cc = 0;
    s.codecs = {{96, rtp::Codec::kVp9}};
    return s;
  }

  void send_packet(Router& router, PacketPool& pool, Instant now, const rtp::Vp9Descriptor& d, size_t bytes,
                   bool marker, bool key_header) {
    std::vector<uint8_t> payload(bytes, 0x5a);
    size_t n = rtp::write_vp9_descriptor(payload, d);
    REQUIRE(n > 0);
    const uint8_t key[] = {0x82, 0x49, 0x83, 0x42, 0x00}, inter[] = {0x86, 0x00, 0x40, 0x92};
    if (key_header) std::copy(std::begin(key), std::end(key), payload.begin() + std::ptrdiff_t(n));
    else std::copy(std::begin(inter), std::end(inter), payload.begin() + std::ptrdiff_t(n));
    auto value = rtp::encode_transport_cc_seq(twcc++);
    std::vector<rtp::ExtensionValue> ext;
    if (transport_cc) ext.push_back({5, Bytes(value)});
    Packet p = pool.acquire();
    rtp::RtpHeader h{marker, 96, seq++, uint32_t(pictures) * 3000, kSsrc};
    p.set_size(rtp::write_rtp_packet(MutableBytes(p.data(), p.capacity()), h, ext, payload));
    router.on_rtp(10, p, now);
  }

  // One picture: every spatial layer frame in two packets, the marker on the very last.
  void send_picture(Router& router, PacketPool& pool, Instant now) {
    bool key = pictures % kKeyEvery == 0;
    uint8_t tid = kTemporalPattern[pictures % 4];
    if (tid == 0) ++tl0;
    if (key) keyframes.insert(picture);
    for (uint8_t sid = 0; sid < 3; ++sid) {
      for (int part = 0; part < 2; ++part) {
        rtp::Vp9Descriptor d;
        d.has_picture_id = d.picture_id_long = true;
        d.picture_id = picture;
        d.has_layers = true;
        d.temporal = tid;
        d.switch_up = tid > 0 && pictures % 4 != 3;  // as libwebrtc marks its L1T3 pattern
        d.spatial = sid;
        d.inter_layer = key && sid > 0;  // KEY modes: upper layers lean on the base at keyframes only
        d.inter = !key;
        d.has_tl0 = true;
        d.tl0_picture_index = tl0;
        d.begin = part == 0;
        d.end = part == 1;
        if (key && sid == 0 && part == 0) {
          d.has_scalability = true;
          d.scalability.spatial_layers = 3;
          d.scalability.has_sizes = true;
          for (size_t i = 0; i < 3; ++i) {
            d.scalability.height[i] = kHeights[i];
            d.scalability.width[i] = uint16_t(kHeights[i] * 16 / 9);
          }
        }
        send_packet(router, pool, now, d, size[sid], sid == 2 && part == 1, key && sid == 0 && part == 0);
      }
    }
    picture = uint16_t((picture + 1) & 0x7fff);
    ++pictures;
  }
};

struct SvcCall : SvcCallOf<SvcPublisher> {
  SvcCall() : SvcCallOf(SvcPublisher::stream(false)) {}
  int& pictures = pub.pictures;
  std::set<uint16_t>& keyframes = pub.keyframes;
  void send_picture() { pub.send_picture(router, pool, now); }
  std::vector<SentPacket> sent(TransportId t) const { return SvcCallOf::sent(t, read_sent); }
};

void check_stream(const std::vector<SentPacket>& v, uint8_t max_spatial) { check_svc_stream(v, max_spatial); }

}  // namespace

TEST_CASE("svc: each subscriber gets its layers, numbered without gaps, frames ended by the marker") {
  SvcCall c;
  c.router.set_view(1, 21, 180, c.now);  // a small tile: the 180-pixel base layer is enough
  c.run(seconds(2));                      // the layers are chosen (a lower one after two ticks)
  LayerState l21 = c.router.subscription_layer(1, 21);
  CHECK(l21.layers == 3);
  CHECK(l21.layer == 0);
  CHECK(l21.temporals == 3);
  CHECK(l21.temporal == 2);
  CHECK(l21.reason == LayerReason::kTileSize);
  CHECK(c.router.subscription_layer(1, 20).layer == 2);
  CHECK(c.router.subscription_layer(1, 20).reason == LayerReason::kBest);

  int pictures = c.pictures;
  c.out.clear();
  c.run(seconds(4));  // over a keyframe and the PictureID wrap
  auto to20 = c.sent(20), to21 = c.sent(21);
  CHECK(to20.size() == size_t(6 * (c.pictures - pictures)));  // everything, nothing held back
  check_stream(to20, 2);
  check_stream(to21, 0);
  CHECK(to21.size() * 3 == to20.size());  // one spatial layer of three, every temporal layer
  const SubscriptionCounters* k21 = c.router.subscription_counters(1, 21);
  REQUIRE(k21);
  CHECK(k21->svc_dropped > 0);
  CHECK(c.router.subscription_counters(1, 20)->svc_dropped == 0);
}

TEST_CASE("svc: a VP9 packet whose descriptor does not parse is counted and not sent, without a gap") {
  SvcCall c;
  c.run(milliseconds(300));
  c.out.clear();
  // Flexible mode with a P_DIFF of 0 (a picture referring to itself) between two pictures.
  const uint8_t bad[] = {0xfc, 0x80, 0x05, 0x00, 0x00, 0x86, 0x00, 0x40, 0x92};
  Packet p = c.pool.acquire();
  rtp::RtpHeader h{false, 96, c.pub.seq++, uint32_t(c.pictures) * 3000, SvcPublisher::kSsrc};
  p.set_size(rtp::write_rtp_packet(MutableBytes(p.data(), p.capacity()), h, {}, bad));
  c.router.on_rtp(10, p, c.now);
  CHECK(c.out.rtp.empty());
  c.run(milliseconds(300));
  CHECK(c.router.counters().malformed_payload == 1);
  CHECK(c.router.stream_counters(1)->malformed_payload == 1);
  check_stream(c.sent(20), 2);  // numbered on over it
}

TEST_CASE("svc: a NACK through the gaps brings back the packet that was sent under that number") {
  SvcCall c;
  c.router.set_view(1, 21, 180, c.now);
  c.run(seconds(2));
  c.out.clear();
  c.run(milliseconds(500));
  auto to21 = c.sent(21);
  REQUIRE(to21.size() > 20);
  // Several numbers, each with layers dropped between it and the newest.
  auto repaired = c.resent({to21[3].seq, to21[10].seq, to21[to21.size() - 2].seq}, read_sent);
  REQUIRE(repaired.size() == 3);
  for (size_t i = 0; i < 3; ++i) {
    const SentPacket& first = i == 0 ? to21[3] : i == 1 ? to21[10] : to21[to21.size() - 2];
    CHECK(repaired[i].seq == first.seq);
    CHECK(repaired[i].payload == first.payload);
    CHECK(repaired[i].marker == first.marker);
  }
  CHECK(c.router.subscription_counters(1, 21)->retransmit_misses == 0);
}

TEST_CASE("svc: moving up a spatial layer waits for a keyframe, asked for") {
  SvcCall c;
  c.router.set_view(1, 21, 180, c.now);
  c.run(seconds(4));  // past the keyframe at 3 s
  REQUIRE(c.router.subscription_layer(1, 21).layer == 0);
  c.out.clear();
  c.router.set_view(1, 21, kViewAnySize, c.now);
  size_t pictures_before = size_t(c.pictures);
  c.run(seconds(3));  // the next keyframe comes at 6 s
  CHECK(c.out.count_rtcp(10, rtp::RtcpType::kPsfb, 1) > 0);  // PLI to the publisher
  auto to21 = c.sent(21);
  // Only the base layer until the first keyframe picture; from it, all three.
  size_t first_upper = first_upper_layer(to21);
  REQUIRE(first_upper < to21.size());
  REQUIRE(first_upper > 0);
  const SentPacket& start = to21[first_upper - 1];  // the picture's base layer, just before
  CHECK(c.keyframes.count(start.d.picture_id) == 1);
  CHECK_FALSE(start.d.inter);
  CHECK(size_t(c.pictures) > pictures_before);
  check_stream(std::vector<SentPacket>(to21.begin() + std::ptrdiff_t(first_upper) - 2, to21.end()), 2);
  CHECK(c.router.subscription_layer(1, 21).layer == 2);
  CHECK(c.router.subscription_counters(1, 21)->layer_switches >= 2);
}

TEST_CASE("svc: the layers follow the subscriber's estimate, temporal ones last, without pausing it") {
  // About 120, 290 and 580 kbit/s for the three spatial layers (a quarter, a quarter and half
  // of each in temporal layers 0, 1, 2).
  PacketPool pool{4096};
  CappedSubscriber link{pool};
  Router router{link};
  link.router = &router;
  SvcPublisher pub;
  pub.size = {250, 600, 1200};
  pub.transport_cc = true;
  router.add_stream(SvcPublisher::stream(true));
  auto sub = subscription(1, 20, 0xAAAA);
  sub.rtx_ssrc = 0xAAAB;  // probes go as RTX padding
  sub.rtx_payload_type = 103;
  router.add_subscription(sub);
  Instant now = t0();
  auto run = [&](Duration d) {
    for (Instant end = now + d; now < end; now += milliseconds(33)) {
      pub.send_picture(router, pool, now);
      link.run_until(now);
      if (router.next_deadline() <= now) router.on_timeout(now);
    }
  };
  link.capacity_bps = 3000000;
  run(seconds(8));
  CHECK(router.subscription_layer(1, 20).layer == 2);
  CHECK(router.subscription_layer(1, 20).temporal == 2);

  link.capacity_bps = 400000;  // the base spatial layer fits, with every temporal layer
  run(seconds(15));
  const SubscriberBandwidth* bw = router.bandwidth(20);
  REQUIRE(bw);
  CHECK_FALSE(bw->paused());
  CHECK(router.subscription_layer(1, 20).layer == 0);
  CHECK(router.subscription_layer(1, 20).temporal == 2);
  CHECK(router.subscription_layer(1, 20).reason == LayerReason::kBandwidth);

  link.capacity_bps = 90000;  // not even that: temporal layers come off before a pause
  run(seconds(15));
  CHECK(router.subscription_layer(1, 20).layer == 0);
  CHECK(router.subscription_layer(1, 20).temporal < 2);
  CHECK_FALSE(bw->paused());
  uint64_t video = link.video_packets;
  run(seconds(2));
  CHECK(link.video_packets > video);

  link.capacity_bps = 3000000;  // lifted: back up, spatial layers at a keyframe
  run(seconds(20));
  CHECK(router.subscription_layer(1, 20).layer == 2);
  CHECK(router.subscription_layer(1, 20).temporal == 2);
  CHECK(link.video_seq_gaps == 0);
  CHECK(router.counters().svc_dropped > 0);
}

TEST_CASE("svc selector: temporal up at a switching point or a base picture, spatial up at a keyframe") {
  auto desc = [](uint8_t sid, uint8_t tid, bool begin, bool inter, bool u) {
    rtp::Vp9Descriptor d;
    d.has_layers = true;
    d.spatial = sid;
    d.temporal = tid;
    d.begin = begin;
    d.end = !begin;
    d.inter = inter;
    d.switch_up = u;
    return svc_packet(d);
  };
  SvcSelector s;
  s.target_spatial = 1;
  s.target_temporal = 0;
  CHECK_FALSE(s.select(desc(0, 2, true, true, true)));  // down at once at a picture start: this TL2 one goes
  CHECK(s.temporal == 0);
  CHECK(s.spatial == 1);
  CHECK_FALSE(s.select(desc(0, 2, false, true, true)));  // and the rest of it
  CHECK_FALSE(s.select(desc(2, 0, true, true, false)));          // above the spatial target
  CHECK(s.select(desc(1, 0, true, true, false)));

  s.target_temporal = 2;
  CHECK_FALSE(s.select(desc(0, 2, true, true, false)));  // TL2 without U: not a switching point
  CHECK(s.temporal == 0);
  CHECK_FALSE(s.select(desc(1, 2, true, true, true)));  // U, but not a picture start
  CHECK(s.select(desc(0, 1, true, true, true)));        // TL1 with U: up to 1, not yet 2
  CHECK(s.temporal == 1);
  CHECK_FALSE(s.select(desc(0, 2, true, true, false)));
  CHECK(s.select(desc(0, 0, true, true, false)));  // a base picture: up to the target
  CHECK(s.temporal == 2);

  s.target_spatial = 2;
  CHECK(s.waits_for_keyframe());
  CHECK(s.select(desc(0, 0, true, false, false), false));  // a late keyframe start: no switch
  CHECK(s.spatial == 1);
  CHECK_FALSE(s.select(desc(2, 0, true, true, false)));
  CHECK(s.select(desc(0, 0, true, true, false)));  // a picture, but not a keyframe
  CHECK(s.spatial == 1);
  CHECK(s.select(desc(0, 0, true, false, false)));  // keyframe
  CHECK(s.spatial == 2);
  CHECK_FALSE(s.waits_for_keyframe());
  CHECK(s.select(desc(2, 0, true, false, false)));
  // Marker: the end of the highest spatial layer kept, or the publisher's.
  s.target_spatial = 0;
  CHECK(s.select(desc(0, 1, true, true, false)));
  CHECK(s.spatial == 0);
  CHECK(s.marker(desc(0, 1, false, true, false), false));
  CHECK_FALSE(s.marker(desc(0, 1, true, true, false), false));
  CHECK(s.marker(desc(0, 1, true, true, false), true));
}
