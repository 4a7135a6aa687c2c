// AV1 SVC through the router: an L3T3 stream whose layers only the Dependency Descriptor names
// (the structure Chromium sent, temporal pattern 0 2 1 2, two packets per layer frame), to
// subscribers that want different layers; and the descriptor taken off where the router does
// not select by it.
#include <doctest/doctest.h>

#include <string>

#include "rtp/dependency_descriptor.hpp"
#include "rtp/rtcp_feedback.hpp"
#include "rtp/rtp_extensions.hpp"
#include "sfu/svc_selector.hpp"
#include "svc_call.hpp"

using namespace umbrella;
using namespace umbrella::sfu;
using namespace umbrella::sfu::test;

namespace {

constexpr uint8_t kPubDd = 8, kSubDd = 12;  // the descriptor's id each side negotiated
constexpr uint8_t kTemporalPattern[4] = {0, 2, 1, 2};

std::vector<uint8_t> hex(std::string_view s) {
  std::vector<uint8_t> v;
  for (size_t i = 0; i + 1 < s.size(); i += 2) v.push_back(uint8_t(std::stoi(std::string(s.substr(i, 2)), nullptr, 16)));
  return v;
}

// Chromium's AV1 L3T3 structure (dependency_descriptor_test.cpp): 9 decode targets, render
// sizes 120x67, 240x135, 480x270.
const rtp::DdStructure& l3t3() {
  static rtp::DdStructure s = [] {
    rtp::DdStructure out;
    auto key = hex(
        "c1017280081485214eafffaaaa863cf0430c10c302afc0aaa0063c00430010c002a000a80006000040001d954926e082b04a0941b82"
        "0ac1282503157f974000ca864330e222222eca8655304224230eca877530077004200ef008601df010d");
    REQUIRE(rtp::parse_dependency_descriptor(key, nullptr, out));
    return out;
  }();
  return s;
}

// Its templates by layer: keyframe, T0, T1, T2 for each spatial layer.
uint8_t template_for(uint8_t sid, uint8_t tid, bool key) {
  constexpr uint8_t kKey[3] = {1, 6, 11}, kDelta[3][3] = {{0, 2, 3}, {5, 7, 8}, {10, 12, 13}};
  return key ? kKey[sid] : kDelta[sid][tid];
}

struct Sent {
  uint16_t seq;
  bool marker;
  rtp::DependencyDescriptor d;
  bool has_publisher_id;  // an element still under the publisher's id (not renumbered)
};

std::optional<Sent> read_sent(const SentRtp& r) {
  auto v = rtp::parse_rtp(r.bytes);
  if (!v) return std::nullopt;
  auto e = rtp::extension(*v, kSubDd);
  if (!e) return std::nullopt;
  rtp::DdStructure scratch;
  auto d = rtp::parse_dependency_descriptor(*e, &l3t3(), scratch);
  if (!d) return std::nullopt;
  return Sent{v->sequence, v->marker, *d, rtp::extension(*v, kPubDd).has_value()};
}

// Publisher on transport 10 of stream 1 (SSRC 0x6000, AV1 as pt 96): 30 pictures a second.
struct Av1Publisher {
  static constexpr uint32_t kSsrc = 0x6000;
  static constexpr int kKeyEvery = 90;
  uint16_t seq = 65000, frame = 65500;  // both wrap soon
  int pictures = 0;
  rtp::DdStructure structure = l3t3();  // a keyframe may bring another (template_id_offset)

  static PublishedStream stream() {
    auto s = video_stream(1, 10, kSsrc);
    s.extensions.transport_cc = 0;
    s.extensions.dependency_descriptor = kPubDd;
    s.codecs = {{96, rtp::Codec::kAv1}};
    return s;
  }

  void send_packet(Router& router, PacketPool& pool, Instant now, const rtp::DependencyDescriptor& d, bool marker) {
    std::array<uint8_t, 128> dd{};
    size_t n = rtp::write_dependency_descriptor(dd, d, structure);
    REQUIRE(n > 0);
    std::vector<rtp::ExtensionValue> ext = {{kPubDd, Bytes(dd.data(), n)}};
    std::vector<uint8_t> payload(300, 0x5a);
    payload[0] = 0x10;  // AV1 aggregation header: one OBU element
    Packet p = pool.acquire();
    rtp::RtpHeader h{marker, 96, seq++, uint32_t(pictures) * 3000, kSsrc};
    p.set_size(rtp::write_rtp_packet(MutableBytes(p.data(), p.capacity()), h, ext, payload));
    router.on_rtp(10, p, now);
  }

  // One temporal unit: a frame per spatial layer, two packets each, the marker on the last.
  void send_picture(Router& router, PacketPool& pool, Instant now) {
    bool key = pictures % kKeyEvery == 0;
    uint8_t tid = kTemporalPattern[pictures % 4];
    for (uint8_t sid = 0; sid < 3; ++sid) {
      for (int part = 0; part < 2; ++part) {
        rtp::DependencyDescriptor d;
        d.start = part == 0;
        d.end = part == 1;
        d.template_id = uint8_t((template_for(sid, tid, key) + structure.template_id_offset) % 64);
        d.frame_number = frame;
        d.attached_structure = key && sid == 0 && part == 0;
        send_packet(router, pool, now, d, sid == 2 && part == 1);
      }
      ++frame;
    }
    ++pictures;
  }
};

struct Av1Call : SvcCallOf<Av1Publisher> {
  Av1Call() : SvcCallOf(Av1Publisher::stream(), kSubDd) {}
  std::vector<Sent> sent(TransportId t) const { return SvcCallOf::sent(t, read_sent); }
};

// As check_svc_stream, and the descriptor under the subscriber's id only.
void check_stream(const std::vector<Sent>& v, uint8_t max_spatial) {
  check_svc_stream(v, max_spatial);
  size_t old_ids = 0;
  for (const Sent& s : v) old_ids += s.has_publisher_id;
  CHECK(old_ids == 0);
}

}  // namespace

TEST_CASE("av1 svc: each subscriber gets its layers by the dependency descriptor, which goes with them") {
  Av1Call c;
  c.router.set_view(1, 21, 67, c.now);  // a small tile: the 67-pixel base layer is enough
  c.run(seconds(2));
  LayerState l21 = c.router.subscription_layer(1, 21);
  CHECK(l21.layers == 3);
  CHECK(l21.layer == 0);
  CHECK(l21.temporals == 3);
  CHECK(l21.temporal == 2);
  CHECK(l21.reason == LayerReason::kTileSize);
  CHECK(c.router.subscription_layer(1, 20).layer == 2);

  int pictures = c.pub.pictures;
  c.out.clear();
  c.run(seconds(4));  // over a keyframe (with its structure) and the frame number wrap
  auto to20 = c.sent(20), to21 = c.sent(21);
  CHECK(to20.size() == size_t(6 * (c.pub.pictures - pictures)));
  check_stream(to20, 2);
  check_stream(to21, 0);
  CHECK(to21.size() * 3 == to20.size());
  size_t structures = 0, keyframes = 0;
  for (const Sent& s : to21) structures += s.d.attached_structure;
  for (int i = pictures; i < c.pub.pictures; ++i) keyframes += i % Av1Publisher::kKeyEvery == 0;
  CHECK(keyframes > 0);
  CHECK(structures == keyframes);  // each keyframe's, to the subscriber on the base layer too
  CHECK(c.router.subscription_counters(1, 21)->svc_dropped > 0);
  CHECK(c.router.subscription_counters(1, 20)->svc_dropped == 0);
  CHECK(c.router.counters().malformed_payload == 0);
}

TEST_CASE("av1 svc: moving up a spatial layer waits for a keyframe, asked for; temporal layers at a switch") {
  Av1Call c;
  c.router.set_view(1, 21, 67, c.now);
  c.run(seconds(4));
  REQUIRE(c.router.subscription_layer(1, 21).layer == 0);
  c.out.clear();
  c.router.set_view(1, 21, kViewAnySize, c.now);
  c.run(seconds(3));  // the next keyframe comes at 6 s
  CHECK(c.out.count_rtcp(10, rtp::RtcpType::kPsfb, 1) > 0);  // PLI to the publisher
  auto to21 = c.sent(21);
  size_t first_upper = first_upper_layer(to21);
  REQUIRE(first_upper >= 2);
  REQUIRE(first_upper < to21.size());
  CHECK(to21[first_upper - 2].d.starts_keyframe());  // the keyframe's base layer, just before
  check_stream(std::vector<Sent>(to21.begin() + std::ptrdiff_t(first_upper) - 2, to21.end()), 2);
  CHECK(c.router.subscription_layer(1, 21).layer == 2);

  // The selector's reading of the descriptor: from which frames temporal layers may go up.
  rtp::DdStructure scratch;
  auto frame = [&](uint8_t sid, uint8_t tid) {
    rtp::DependencyDescriptor f;
    f.start = true;
    f.template_id = template_for(sid, tid, false);
    std::array<uint8_t, 8> b{};
    size_t n = rtp::write_dependency_descriptor(b, f, l3t3());
    auto r = rtp::parse_dependency_descriptor(Bytes(b.data(), n), &l3t3(), scratch);
    REQUIRE(r);
    return svc_packet(*r, l3t3());
  };
  CHECK(frame(0, 0).temporal_switch == 0xff);  // S0T0: a switch point for S0T0..S0T2
  CHECK(frame(0, 1).temporal_switch == 0xfc);  // S0T1: for S0T2 (and everything) only
  CHECK(frame(0, 2).temporal_switch == 0);
  CHECK(frame(0, 0).picture_start);
  CHECK_FALSE(frame(1, 0).picture_start);
  SvcSelector s;
  s.spatial = 0;
  s.temporal = 0;
  s.target_spatial = 0;
  s.target_temporal = kSvcAll;
  CHECK_FALSE(s.select(frame(0, 2)));  // not a switch point: T2 still dropped
  CHECK(s.temporal == 0);
  CHECK(s.select(frame(0, 1)));  // T1 frame: its targets say up to T2 from here
  CHECK(s.temporal == kSvcAll);
}

TEST_CASE("av1 svc: a descriptor that does not parse, or comes before any structure, is counted and not sent") {
  Av1Call c;
  // Before the first keyframe's structure: nothing can be read (libwebrtc drops these too).
  c.pub.pictures = 1;
  c.pub.send_picture(c.router, c.pool, c.now);
  CHECK(c.out.rtp.empty());
  CHECK(c.router.counters().malformed_payload == 6);
  CHECK(c.out.count_rtcp(10, rtp::RtcpType::kPsfb, 1) > 0);  // a keyframe brings one
  c.pub.pictures = 0;
  c.run(milliseconds(300));
  c.out.clear();
  // A template id past the structure's fifteen.
  std::array<uint8_t, 3> dd = {0xd4, 0x00, 0x01};  // start, end, template 20
  std::vector<rtp::ExtensionValue> ext = {{kPubDd, Bytes(dd)}};
  std::vector<uint8_t> payload(100, 0x10);
  Packet p = c.pool.acquire();
  rtp::RtpHeader h{false, 96, c.pub.seq++, uint32_t(c.pub.pictures) * 3000, Av1Publisher::kSsrc};
  p.set_size(rtp::write_rtp_packet(MutableBytes(p.data(), p.capacity()), h, ext, payload));
  c.router.on_rtp(10, p, c.now);
  CHECK(c.out.rtp.empty());
  CHECK(c.router.stream_counters(1)->malformed_payload == 7);
  c.run(milliseconds(300));
  check_stream(c.sent(20), 2);  // numbered on over it
}

TEST_CASE("av1 svc: a NACK brings back only layers still sent, with the marker they went with") {
  Av1Call c;
  c.router.set_view(1, 21, 67, c.now);
  c.run(seconds(2));
  c.out.clear();
  c.run(milliseconds(500));
  auto to21 = c.sent(21);
  REQUIRE(to21.size() > 12);
  auto resent = c.resent({to21[3].seq, to21[10].seq}, read_sent);
  REQUIRE(resent.size() == 2);
  for (size_t i = 0; i < 2; ++i) {
    const Sent& first = i == 0 ? to21[3] : to21[10];
    CHECK(resent[i].seq == first.seq);
    CHECK(resent[i].marker == first.marker);
    CHECK(resent[i].d.frame_number == first.d.frame_number);
  }
  CHECK(c.router.subscription_counters(1, 21)->retransmit_misses == 0);
}

TEST_CASE("av1 svc: the descriptor is taken off packets the router does not select by it") {
  PacketPool pool{256};
  RecordingOutbox out{pool};
  Router router{out};
  auto s = video_stream(1, 10, 0x7000);
  s.extensions.dependency_descriptor = kPubDd;
  s.codecs = {{96, rtp::Codec::kVp8}};
  router.add_stream(s);
  auto sub = subscription(1, 20, 0xAAAA);
  sub.extensions.dependency_descriptor = kSubDd;
  router.add_subscription(sub);
  const uint8_t dd[] = {0xc1, 0x00, 0x01};
  std::vector<rtp::ExtensionValue> ext = {{kPubDd, Bytes(dd)}};
  std::vector<uint8_t> payload = {0x90, 0x80, 0x05, 0x9d, 0x01, 0x2a};
  Packet p = pool.acquire();
  p.set_size(rtp::write_rtp_packet(MutableBytes(p.data(), p.capacity()), {true, 96, 1, 3000, 0x7000}, ext, payload));
  router.on_rtp(10, p, t0());
  REQUIRE(out.rtp.size() == 1);
  REQUIRE(out.rtp[0].ok);
  auto v = rtp::parse_rtp(out.rtp[0].bytes);
  REQUIRE(v);
  CHECK_FALSE(rtp::extension(*v, kSubDd));
  CHECK_FALSE(rtp::extension(*v, kPubDd));
  CHECK(router.counters().malformed_payload == 0);
}

TEST_CASE("av1 svc: a keyframe's new structure is the one later frames are read with") {
  Av1Call c;
  c.router.set_view(1, 21, 67, c.now);
  c.run(seconds(2));
  // From the next keyframe on the publisher numbers its templates from 50 (ids wrap past 63).
  c.pub.structure.template_id_offset = 50;
  c.out.clear();
  int from = c.pub.pictures;
  c.run(seconds(4));  // the keyframe at 3 s, then pictures read with the new structure
  size_t to20 = 0, to21 = 0;
  for (const auto& r : c.out.rtp)
    if (!r.rewrite.repair) (r.to == 20 ? to20 : to21) += 1;
  // Until that keyframe (an encoder changes its structure only there; this publisher renumbers
  // early) every id is past the old structure's 15 templates and refused; after it all are read.
  int before_key = Av1Publisher::kKeyEvery - from;
  CHECK(c.router.counters().malformed_payload == size_t(6 * before_key));
  size_t after = size_t(6 * (c.pub.pictures - Av1Publisher::kKeyEvery));
  CHECK(to20 == after);
  CHECK(to21 * 3 == to20);
  CHECK(c.router.subscription_layer(1, 21).layer == 0);
}
