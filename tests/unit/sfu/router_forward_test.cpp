#include <doctest/doctest.h>

#include <chrono>

#include "rtp/rtp_extensions.hpp"
#include "rtp/rtx.hpp"
#include "sfu_test_util.hpp"

using namespace umbrella;
using namespace umbrella::sfu;
using namespace umbrella::sfu::test;

namespace {
const uint8_t kAbs[3] = {1, 2, 3};
const uint8_t kMid[1] = {'v'};
const uint8_t kRidH[1] = {'h'};
const uint8_t kRidL[1] = {'l'};
}  // namespace

TEST_CASE("router fans one stream out to three subscribers with rewritten headers") {
  PacketPool pool(64);
  RecordingOutbox out(pool);
  Router r(out);
  r.add_stream(video_stream(1, 10, 0x1111));
  for (uint32_t t = 20; t < 23; ++t) r.add_subscription(subscription(1, t, 0xA000 + t));
  out.clear();

  MediaSpec m;
  m.ext = {{3, Bytes(kAbs)}, {1, Bytes(kMid)}};
  r.on_rtp(10, make_rtp(pool, m), t0());
  m.seq = 101;
  m.ts = 8000;
  r.on_rtp(10, make_rtp(pool, m), t0() + milliseconds(33));
  REQUIRE(out.rtp.size() == 6);
  for (size_t i = 0; i < 3; ++i) {
    const auto& a = out.rtp[i];
    const auto& b = out.rtp[i + 3];
    CHECK(a.to == 20 + i);
    REQUIRE(a.ok);
    auto va = rtp::parse_rtp(a.bytes);
    auto vb = rtp::parse_rtp(b.bytes);
    REQUIRE(va);
    REQUIRE(vb);
    CHECK(va->ssrc == 0xA000 + 20 + i);
    CHECK(va->payload_type == 102);
    CHECK(vb->sequence == uint16_t(va->sequence + 1));
    CHECK(vb->timestamp - va->timestamp == 3000);
    auto abs = rtp::extension(*va, 7);  // publisher id 3 -> subscriber id 7
    REQUIRE(abs);
    CHECK((*abs)[0] == 1);
    CHECK(!rtp::extension(*va, 1));
    CHECK(va->payload.size() == 100);
  }
  const auto* sc = r.stream_counters(1);
  REQUIRE(sc);
  CHECK(sc->packets == 2);
  CHECK(r.subscription_counters(1, 21)->packets == 2);
  // A payload type the subscriber did not negotiate is dropped for it.
  m.pt = 97;
  m.seq = 102;
  out.clear();
  r.on_rtp(10, make_rtp(pool, m), t0() + milliseconds(40));
  CHECK(out.rtp.empty());
  CHECK(r.subscription_counters(1, 20)->dropped_payload_type == 1);
}

TEST_CASE("subscriber numbering stays continuous across a source switch") {
  PacketPool pool(64);
  RecordingOutbox out(pool);
  Router r(out);
  r.add_stream(video_stream(1, 10, 0x1111));
  r.add_stream(video_stream(2, 11, 0x2222));
  r.add_subscription(subscription(1, 20, 0xAAAA));
  r.on_rtp(10, make_rtp(pool, {.ssrc = 0x1111, .seq = 100, .ts = 5000}), t0());
  r.on_rtp(10, make_rtp(pool, {.ssrc = 0x1111, .seq = 101, .ts = 8000}), t0() + milliseconds(33));
  // Layer switch: same subscriber SSRC, other stream (remove + add works the same).
  r.remove_subscription(1, 20);
  r.add_subscription(subscription(2, 20, 0xAAAA));
  out.clear();
  r.on_rtp(10, make_rtp(pool, {.ssrc = 0x1111, .seq = 102, .ts = 11000}), t0() + milliseconds(66));
  CHECK(out.rtp.empty());  // the old source is no longer forwarded
  r.on_rtp(11, make_rtp(pool, {.ssrc = 0x2222, .seq = 40000, .ts = 123}), t0() + milliseconds(100));
  REQUIRE(out.rtp.size() == 1);
  auto v = rtp::parse_rtp(out.rtp[0].bytes);
  REQUIRE(v);
  CHECK(v->ssrc == 0xAAAA);
  CHECK(r.subscription_counters(2, 20)->packets == 1);
  // Continuity: next sequence number; timestamp advanced by the 67 ms of wall time since the
  // newest packet sent (replayed on a reference router to learn the subscriber's numbering).
  PacketPool pool2(8);
  RecordingOutbox out2(pool2);
  Router ref(out2);
  ref.add_stream(video_stream(1, 10, 0x1111));
  ref.add_subscription(subscription(1, 20, 0xAAAA));
  ref.on_rtp(10, make_rtp(pool2, {.ssrc = 0x1111, .seq = 100, .ts = 5000}), t0());
  ref.on_rtp(10, make_rtp(pool2, {.ssrc = 0x1111, .seq = 101, .ts = 8000}), t0());
  auto last = rtp::parse_rtp(out2.rtp[1].bytes);
  REQUIRE(last);
  CHECK(v->sequence == uint16_t(last->sequence + 1));
  CHECK(v->timestamp == last->timestamp + 67 * 90);

  // Publisher replaced under the same stream id: numbering continues too.
  out.clear();
  auto replaced = video_stream(2, 12, 0x3333);
  r.add_stream(replaced);
  r.on_rtp(12, make_rtp(pool, {.ssrc = 0x3333, .seq = 7, .ts = 1}), t0() + milliseconds(133));
  REQUIRE(out.rtp.size() == 1);
  auto w = rtp::parse_rtp(out.rtp[0].bytes);
  REQUIRE(w);
  CHECK(w->sequence == uint16_t(v->sequence + 1));
  CHECK(w->timestamp == v->timestamp + 33 * 90);
}

TEST_CASE("unknown SSRCs are counted, not forwarded") {
  PacketPool pool(16);
  RecordingOutbox out(pool);
  Router r(out);
  r.add_stream(video_stream(1, 10, 0x1111));
  r.add_subscription(subscription(1, 20, 0xAAAA));
  out.clear();
  r.on_rtp(10, make_rtp(pool, {.ssrc = 0x9999}), t0());
  r.on_rtp(11, make_rtp(pool, {.ssrc = 0x1111}), t0());  // right SSRC, wrong transport
  CHECK(r.unknown_ssrc_packets() == 2);
  CHECK(out.rtp.empty());
  uint8_t junk[4] = {0x80, 0, 0, 0};
  r.on_rtp(10, pool.copy_of(junk), t0());
  CHECK(r.counters().malformed_rtp == 1);
}

TEST_CASE("streams registered by rid and mid learn their SSRCs") {
  PacketPool pool(32);
  RecordingOutbox out(pool);
  Router r(out);
  auto hi = video_stream(1, 10, 0);
  hi.mid = "v";
  hi.rid = "h";
  hi.rtx_payload_type = 97;
  auto lo = hi;
  lo.id = 2;
  lo.rid = "l";
  r.add_stream(hi);
  r.add_stream(lo);
  auto sub = subscription(2, 20, 0xAAAA);
  r.add_subscription(sub);
  CHECK(out.rtcp.empty());  // no PLI before the SSRC is known
  r.on_rtp(10, make_rtp(pool, {.ssrc = 0x5151, .ext = {{1, Bytes(kMid)}, {2, Bytes(kRidL)}}}),
           t0());
  r.on_rtp(10, make_rtp(pool, {.ssrc = 0x4141, .ext = {{1, Bytes(kMid)}, {2, Bytes(kRidH)}}}),
           t0());
  CHECK(r.stream_ssrc(1) == 0x4141);
  CHECK(r.stream_ssrc(2) == 0x5151);
  CHECK(r.unknown_ssrc_packets() == 0);
  REQUIRE(out.rtp.size() == 1);  // the low layer's subscriber
  CHECK(out.rtp[0].to == 20);
  CHECK(out.count_rtcp(10, rtp::RtcpType::kPsfb, rtp::kFmtPli) == 1);  // pending keyframe sent

  // RTX by repaired-rid, then later packets without any extension are matched by SSRC.
  MediaSpec rtx{.ssrc = 0x5252, .seq = 1, .pt = 97, .ext = {{4, Bytes(kRidL)}}};
  r.on_rtp(10, make_rtp(pool, rtx), t0());
  CHECK(r.stream_rtx_ssrc(2) == 0x5252);
  r.on_rtp(10, make_rtp(pool, {.ssrc = 0x5151, .seq = 101}), t0());
  CHECK(out.rtp.size() == 2);

  // Non-simulcast: mid only, RTX recognised by its payload type.
  auto cam = video_stream(3, 11, 0);
  cam.mid = "v";
  cam.rtx_payload_type = 97;
  r.add_stream(cam);
  r.on_rtp(11, make_rtp(pool, {.ssrc = 0x6161, .ext = {{1, Bytes(kMid)}}}), t0());
  r.on_rtp(11, make_rtp(pool, {.ssrc = 0x6262, .pt = 97, .ext = {{1, Bytes(kMid)}}}), t0());
  CHECK(r.stream_ssrc(3) == 0x6161);
  CHECK(r.stream_rtx_ssrc(3) == 0x6262);
  r.on_rtp(11, make_rtp(pool, {.ssrc = 0x7777, .ext = {{1, Bytes(kMid)}}}), t0());
  CHECK(r.unknown_ssrc_packets() == 1);  // both SSRCs taken
}

TEST_CASE("a rid layer its sender moves to a new SSRC follows it, numbered on without a gap") {
  PacketPool pool(64);
  RecordingOutbox out(pool);
  Router r(out);
  auto lo = video_stream(2, 10, 0);
  lo.mid = "v";
  lo.rid = "l";
  lo.rtx_payload_type = 97;
  r.add_stream(lo);
  r.add_subscription(subscription(2, 20, 0xAAAA));
  Instant now = t0();
  r.on_rtp(10, make_rtp(pool, {.ssrc = 0x5151, .seq = 10, .ext = {{1, Bytes(kMid)}, {2, Bytes(kRidL)}}}), now);
  r.on_rtp(10, make_rtp(pool, {.ssrc = 0x5151, .seq = 11}), now);
  r.on_rtp(10, make_rtp(pool, {.ssrc = 0x5252, .seq = 1, .pt = 97, .ext = {{4, Bytes(kRidL)}}}), now);
  REQUIRE(out.rtp.size() == 2);
  size_t plis = out.count_rtcp(10, rtp::RtcpType::kPsfb, rtp::kFmtPli);
  // As Firefox does when it renegotiates: the layer goes on with new SSRCs, naming its rid.
  now += seconds(2);
  r.on_rtp(10, make_rtp(pool, {.ssrc = 0x9191, .seq = 5000, .ext = {{1, Bytes(kMid)}, {2, Bytes(kRidL)}}}), now);
  r.on_rtp(10, make_rtp(pool, {.ssrc = 0x9191, .seq = 5001}), now);
  CHECK(r.stream_ssrc(2) == 0x9191);
  CHECK(r.counters().ssrc_changes == 1);
  CHECK(r.unknown_ssrc_packets() == 0);
  REQUIRE(out.rtp.size() == 4);
  CHECK(out.rtp[2].rewrite.ssrc == 0xAAAA);
  CHECK(uint16_t(out.rtp[1].rewrite.seq + 1) == out.rtp[2].rewrite.seq);
  CHECK(uint16_t(out.rtp[2].rewrite.seq + 1) == out.rtp[3].rewrite.seq);
  CHECK(out.count_rtcp(10, rtp::RtcpType::kPsfb, rtp::kFmtPli) > plis);  // a keyframe from the new SSRC
  // Its RTX too; the old SSRCs are strangers now.
  r.on_rtp(10, make_rtp(pool, {.ssrc = 0x9292, .seq = 1, .pt = 97, .ext = {{4, Bytes(kRidL)}}}), now);
  CHECK(r.stream_rtx_ssrc(2) == 0x9292);
  r.on_rtp(10, make_rtp(pool, {.ssrc = 0x5151, .seq = 12}), now);
  CHECK(r.unknown_ssrc_packets() == 1);
  CHECK(r.counters().unknown_ssrc_named == 0);  // it named no layer
  // Within a second of the last move the layer does not move again (a sender flipping between
  // two SSRCs cannot make every packet re-sort the router's indexes).
  r.on_rtp(10, make_rtp(pool, {.ssrc = 0x5151, .seq = 13, .ext = {{1, Bytes(kMid)}, {2, Bytes(kRidL)}}}), now);
  CHECK(r.stream_ssrc(2) == 0x9191);
  CHECK(r.unknown_ssrc_packets() == 2);
  CHECK(r.counters().unknown_ssrc_named == 1);
  CHECK(r.counters().ssrc_changes_deferred == 1);
  // Another rid, or another mid, never takes it.
  r.on_rtp(10, make_rtp(pool, {.ssrc = 0x7171, .ext = {{1, Bytes(kMid)}, {2, Bytes(kRidH)}}}), now + seconds(2));
  CHECK(r.stream_ssrc(2) == 0x9191);
}

TEST_CASE("a publisher's RTX packet is unwrapped and forwarded once") {
  PacketPool pool(32);
  RecordingOutbox out(pool);
  Router r(out);
  auto s = video_stream(1, 10, 0x1111);
  s.rtx_ssrc = 0x1112;
  s.rtx_payload_type = 97;
  r.add_stream(s);
  r.add_subscription(subscription(1, 20, 0xAAAA));
  r.on_rtp(10, make_rtp(pool, {.seq = 100}), t0());
  // 101 lost; its RTX arrives.
  Packet orig = make_rtp(pool, {.seq = 101, .ts = 5000});
  REQUIRE(rtp::rtx_wrap(orig, {97, 0x1112, 7}));
  r.on_rtp(10, make_rtp(pool, {.seq = 102}), t0());
  out.clear();
  r.on_rtp(10, orig, t0() + milliseconds(5));
  REQUIRE(out.rtp.size() == 1);
  auto v = rtp::parse_rtp(out.rtp[0].bytes);
  REQUIRE(v);
  CHECK(v->ssrc == 0xAAAA);
  CHECK(v->payload_type == 102);
  CHECK(v->payload.size() == 100);
  CHECK(r.stream_counters(1)->rtx_received == 1);
  r.on_rtp(10, orig, t0() + milliseconds(6));  // duplicate
  CHECK(out.rtp.size() == 1);
  CHECK(r.stream_counters(1)->duplicates == 1);
}

TEST_CASE("remove_transport drops its streams and subscriptions") {
  PacketPool pool(32);
  RecordingOutbox out(pool);
  Router r(out);
  r.add_stream(video_stream(1, 10, 0x1111));
  r.add_stream(video_stream(2, 20, 0x2222));
  r.add_subscription(subscription(1, 20, 0xAAAA));
  r.add_subscription(subscription(2, 10, 0xBBBB));
  r.add_subscription(subscription(1, 30, 0xCCCC));
  CHECK(r.subscription_count() == 3);
  r.remove_transport(20);
  CHECK(r.stream_count() == 1);
  CHECK(r.subscription_count() == 1);
  CHECK(r.stream_counters(2) == nullptr);
  CHECK(r.subscription_counters(1, 20) == nullptr);
  CHECK(r.subscription_counters(1, 30) != nullptr);
  out.clear();
  r.on_rtp(10, make_rtp(pool, {}), t0());
  REQUIRE(out.rtp.size() == 1);
  CHECK(out.rtp[0].to == 30);
  r.on_rtp(20, make_rtp(pool, {.ssrc = 0x2222}), t0());
  CHECK(r.unknown_ssrc_packets() == 1);
  r.remove_stream(1);
  CHECK(r.stream_count() == 0);
  CHECK(r.subscription_count() == 0);
}

TEST_CASE("fan-out cost 1 -> 100") {
  // Without and with transport-wide numbering toward every subscriber (the packets carry the
  // publisher's transport-cc element): the difference is the numbering's cost per copy.
  for (int cc = 0; cc < 2; ++cc) {
    PacketPool pool(1024);
    NullOutbox out;
    Router r(out);
    r.add_stream(video_stream(1, 1, 0x1111));
    for (uint32_t t = 0; t < 100; ++t) {
      auto sub = subscription(1, 100 + t, 0x10000 + t);
      if (!cc) sub.extensions.transport_cc = 0;
      r.add_subscription(sub);
    }
    auto value = rtp::encode_transport_cc_seq(1);
    std::vector<Packet> packets;
    for (int i = 0; i < 512; ++i)
      packets.push_back(make_rtp(pool, {.seq = uint16_t(i), .ts = uint32_t(i * 3000), .ext = {{5, Bytes(value)}}, .payload = 1000}));
    constexpr int kPackets = 20000;
    Instant now = t0();
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kPackets; ++i) {
      Packet& p = packets[size_t(i) % packets.size()];
      rtp::set_sequence(p.span(), uint16_t(i));
      now += microseconds(100);
      r.on_rtp(1, p, now);
    }
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count();
    MESSAGE(std::string(cc ? "fan-out 1->100 numbered (transport-cc): " : "fan-out 1->100: ") << ns / kPackets
            << " ns per incoming packet, " << ns / (kPackets * 100) << " ns per forwarded copy (no-op outbox)");
    CHECK(out.sink != 0);
    CHECK(r.subscription_counters(1, 150)->packets == kPackets);
    CHECK((r.bandwidth(150) != nullptr) == (cc == 1));
  }
}
