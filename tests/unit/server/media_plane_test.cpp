// The media plane alone: transports and tracks by id, packets in and rewritten copies out,
// and the router timer armed once per loop iteration, not per packet.
#include <doctest/doctest.h>

#include "core/event_loop.hpp"
#include "media/media_plane.hpp"
#include "rtp/rtp_builder.hpp"
#include "rtp/rtp_packet.hpp"

namespace umbrella::media {
namespace {

struct FakeTransport final : Transport {
  bool up = true;
  std::vector<std::vector<uint8_t>> rtp;
  size_t rtcp = 0;
  bool connected() const override { return up; }
  bool send_rtp(Packet p) override {
    rtp.emplace_back(p.data(), p.data() + p.size());
    return true;
  }
  bool send_rtcp(Bytes) override {
    ++rtcp;
    return true;
  }
  size_t rearms = 0;
  void rearm_timer() override { ++rearms; }
};

Packet rtp_packet(PacketPool& pool, uint32_t ssrc, uint16_t seq, uint8_t pt = 111) {
  Packet p = pool.acquire();
  uint8_t payload[40] = {};
  size_t n = rtp::write_rtp_packet(MutableBytes(p.data(), p.capacity()), {false, pt, seq, seq * 960u, ssrc}, {},
                                   Bytes(payload, sizeof payload));
  p.set_size(n);
  return p;
}

struct Fixture {
  ManualTimeSource clock;
  EventLoop loop{clock};
  PacketPool pool{256};
  MediaPlane plane{loop, pool};
  FakeTransport publisher, subscriber;
  TransportId pub = plane.add_transport(publisher), sub = plane.add_transport(subscriber);

  TrackId publish(sfu::Kind kind, uint32_t ssrc) {
    sfu::PublishedStream s;
    s.transport = pub;
    s.kind = kind;
    s.ssrc = ssrc;
    s.clock_rate = kind == sfu::Kind::kAudio ? 48000 : 90000;
    return plane.publish(s);
  }
  void subscribe(TrackId track, uint32_t ssrc, uint8_t pt = 111) {
    sfu::Subscription s;
    s.stream = track;
    s.transport = sub;
    s.ssrc = ssrc;
    s.payload_type_map[pt] = pt;
    plane.subscribe(s);
  }
};

}  // namespace

TEST_CASE("media plane: a publisher track reaches its subscriber, rewritten, without signalling") {
  Fixture f;
  TrackId track = f.publish(sfu::Kind::kAudio, 1111);
  CHECK(track != 0);
  f.subscribe(track, 2222);
  for (uint16_t seq = 1; seq <= 50; ++seq) f.plane.on_rtp(f.pub, rtp_packet(f.pool, 1111, seq), f.clock.now());
  REQUIRE(f.subscriber.rtp.size() == 50);
  for (auto& bytes : f.subscriber.rtp) {
    auto v = rtp::parse_rtp(bytes);
    REQUIRE(v);
    CHECK(v->ssrc == 2222);
  }
  CHECK(f.publisher.rtp.empty());
  CHECK(f.plane.counters().forwarded == 50);
  REQUIRE(f.plane.track_counters(track));
  CHECK(f.plane.track_counters(track)->packets == 50);
  CHECK(f.plane.subscription_counters(track, f.sub)->packets == 50);
}

TEST_CASE("media plane: the router timer is armed once per loop iteration, not per packet") {
  Fixture f;
  TrackId track = f.publish(sfu::Kind::kVideo, 1111);
  f.subscribe(track, 2222, 96);
  f.loop.run_once(Duration::zero());
  uint64_t arms = f.plane.counters().timer_arms;
  // A batch with a gap: NACK and report deadlines change many times within it.
  for (uint16_t seq = 1; seq <= 200; ++seq)
    if (seq != 100) f.plane.on_rtp(f.pub, rtp_packet(f.pool, 1111, seq, 96), f.clock.now());
  CHECK(f.plane.counters().timer_arms == arms);
  f.loop.run_once(Duration::zero());
  CHECK(f.plane.counters().timer_arms == arms + 1);
  CHECK(f.plane.router().next_deadline() < kNever);
  // The NACK for 100 goes out when its deadline comes.
  size_t rtcp = f.publisher.rtcp;
  for (int i = 0; i < 50 && f.publisher.rtcp == rtcp; ++i) {
    f.clock.advance(milliseconds(10));
    f.loop.run_once(Duration::zero());
  }
  CHECK(f.publisher.rtcp > rtcp);
}

TEST_CASE("media plane: a transport's timer is re-armed once per loop iteration, and never once removed") {
  Fixture f;
  f.loop.run_once(Duration::zero());
  uint64_t arms = f.plane.counters().transport_timer_arms;
  // A receive batch: each transport asks once (its flag), however many datagrams it took.
  f.plane.rearm_later(f.pub);
  f.plane.rearm_later(f.sub);
  CHECK(f.publisher.rearms == 0);
  f.loop.run_once(Duration::zero());
  CHECK(f.publisher.rearms == 1);
  CHECK(f.subscriber.rearms == 1);
  CHECK(f.plane.counters().transport_timer_arms == arms + 2);
  f.loop.run_once(Duration::zero());
  CHECK(f.publisher.rearms == 1);  // nothing asked since
  // Removed between asking and the flush: skipped, not called through a stale pointer.
  f.plane.rearm_later(f.sub);
  f.plane.remove_transport(f.sub);
  f.loop.run_once(Duration::zero());
  CHECK(f.subscriber.rearms == 1);
  CHECK(f.plane.counters().transport_timer_arms == arms + 2);
}

TEST_CASE("media plane: nothing goes to a transport that is not up or was removed") {
  Fixture f;
  TrackId track = f.publish(sfu::Kind::kAudio, 1111);
  f.subscribe(track, 2222);
  f.subscriber.up = false;
  f.plane.on_rtp(f.pub, rtp_packet(f.pool, 1111, 1), f.clock.now());
  CHECK(f.subscriber.rtp.empty());
  CHECK(f.plane.counters().not_connected == 1);
  f.subscriber.up = true;
  f.plane.remove_transport(f.sub);
  f.plane.on_rtp(f.pub, rtp_packet(f.pool, 1111, 2), f.clock.now());
  CHECK(f.subscriber.rtp.empty());
  CHECK(f.plane.subscription_counters(track, f.sub) == nullptr);
  f.plane.remove_transport(f.pub);  // with its tracks
  CHECK(f.plane.router().stream_count() == 0);
  CHECK(f.plane.transports() == 0);
}

}  // namespace umbrella::media
