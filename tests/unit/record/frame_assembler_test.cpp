#include <doctest/doctest.h>

#include <vector>

#include "record/frame_assembler.hpp"
#include "rtp/rtp_builder.hpp"

using namespace umbrella;
using namespace umbrella::record;
using namespace umbrella::rtp;

namespace {

const std::vector<uint8_t> kKey = {0x10, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00, 0xaa};  // 320x240
const std::vector<uint8_t> kDelta = {0x10, 0x11, 0x02, 0x00, 0x55};
const std::vector<uint8_t> kMore = {0x00, 0x66, 0x67};  // a later packet of the same frame

struct Rig {
  PacketPool pool{64};
  FrameAssembler a;
  Instant now{};
  explicit Rig(Codec c) : a(c, {milliseconds(300), 64}) {}

  void push(uint16_t seq, uint32_t ts, bool marker, const std::vector<uint8_t>& payload) {
    Packet p = pool.acquire();
    size_t n = rtp::write_rtp_packet(MutableBytes(p.data(), p.capacity()), {marker, 96, seq, ts, 7}, {}, payload);
    REQUIRE(n > 0);
    p.set_size(n);
    a.push(p, now);
  }
  std::vector<Frame> pop_all() {
    std::vector<Frame> out;
    while (auto f = a.pop(now)) out.push_back(*f);
    return out;
  }
};

}  // namespace

TEST_CASE("jitter window: frames come out whole and in order, a frame split over packets joined") {
  Rig r(Codec::kVp8);
  CHECK(r.a.take_keyframe_request());  // at start, video asks for a keyframe
  r.push(10, 1000, false, kKey);
  CHECK(r.pop_all().empty());  // no marker yet
  r.push(11, 1000, true, kMore);
  auto f = r.pop_all();
  REQUIRE(f.size() == 1);
  CHECK(f[0].keyframe);
  CHECK(f[0].rtp_timestamp == 1000);
  CHECK(f[0].data.size() == (kKey.size() - 1) + (kMore.size() - 1));
  r.push(12, 4000, true, kDelta);
  f = r.pop_all();
  REQUIRE(f.size() == 1);
  CHECK_FALSE(f[0].keyframe);
  CHECK(r.a.next_deadline() == kNever);
  CHECK(r.pool.in_use() == 0);  // popped frames give their packets back
}

TEST_CASE("jitter window: a reordered or repaired packet within the wait fills its gap") {
  Rig r(Codec::kVp8);
  r.push(1, 0, true, kKey);
  r.push(3, 6000, true, kDelta);
  CHECK(r.pop_all().size() == 1);  // the key frame; 3 waits for 2
  CHECK(r.a.next_deadline() == r.now + milliseconds(300));
  r.now += milliseconds(200);
  CHECK(r.pop_all().empty());
  r.push(2, 3000, true, kDelta);  // the RTX repair
  auto f = r.pop_all();
  REQUIRE(f.size() == 2);
  CHECK(f[0].rtp_timestamp == 3000);
  CHECK(f[1].rtp_timestamp == 6000);
  CHECK(r.a.counters().lost == 0);
  CHECK(r.a.next_deadline() == kNever);
}

TEST_CASE("jitter window: after the wait video gives up, skips to the next keyframe and asks for one") {
  Rig r(Codec::kVp8);
  (void)r.a.take_keyframe_request();
  r.push(1, 0, true, kKey);
  CHECK(r.pop_all().size() == 1);
  r.push(3, 6000, true, kDelta);  // 2 lost for good
  r.push(4, 9000, true, kDelta);
  r.now += milliseconds(299);
  CHECK(r.pop_all().empty());
  CHECK_FALSE(r.a.take_keyframe_request());
  r.now += milliseconds(1);
  CHECK(r.pop_all().empty());  // 3 and 4 depend on what was lost: dropped
  CHECK(r.a.counters().lost == 1);
  CHECK(r.a.counters().skipped_frames == 2);
  CHECK(r.a.take_keyframe_request());
  CHECK_FALSE(r.a.take_keyframe_request());  // once per loss
  r.push(5, 12000, true, kDelta);
  CHECK(r.pop_all().empty());
  r.push(6, 15000, false, kKey);
  r.push(7, 15000, true, kMore);
  auto f = r.pop_all();
  REQUIRE(f.size() == 1);
  CHECK(f[0].keyframe);
  r.push(2, 3000, true, kDelta);  // the lost one, too late now
  CHECK(r.a.counters().late == 1);
  CHECK(r.pop_all().empty());
}

TEST_CASE("jitter window: audio skips a lost packet and goes on; duplicates are dropped") {
  Rig r(Codec::kOpus);
  CHECK_FALSE(r.a.take_keyframe_request());
  std::vector<uint8_t> opus = {0x78, 0x01};
  r.push(100, 0, true, opus);
  r.push(100, 0, true, opus);
  r.push(102, 1920, false, opus);
  auto f = r.pop_all();
  CHECK(f.size() == 1);
  CHECK(r.a.counters().late == 1);
  r.now += milliseconds(300);
  f = r.pop_all();
  REQUIRE(f.size() == 1);
  CHECK(f[0].rtp_timestamp == 1920);
  CHECK(r.a.counters().lost == 1);
  CHECK_FALSE(r.a.take_keyframe_request());
}

TEST_CASE("jitter window: a packet beyond the window gives up on what is missing before it") {
  Rig r(Codec::kOpus);
  std::vector<uint8_t> opus = {0x78};
  r.push(0, 0, false, opus);
  CHECK(r.pop_all().size() == 1);
  r.push(2, 960, false, opus);      // 1 missing
  CHECK(r.pop_all().empty());
  r.push(200, 96000, false, opus);  // 64 slots: what is before 137 cannot be waited for
  CHECK(r.a.counters().lost > 0);
  CHECK(r.pool.in_use() == 1);      // only 200 is held
  r.now += milliseconds(300);
  auto f = r.pop_all();
  REQUIRE(f.size() == 1);
  CHECK(f[0].rtp_timestamp == 96000);
}

TEST_CASE("jitter window: sequence numbers wrap") {
  Rig r(Codec::kVp8);
  r.push(65535, 0, true, kKey);
  r.push(0, 3000, true, kDelta);
  r.push(1, 6000, true, kDelta);
  CHECK(r.pop_all().size() == 3);
}

TEST_CASE("jitter window: malformed payloads are counted, not emitted") {
  Rig r(Codec::kVp8);
  r.push(1, 0, true, {0x90});  // X without its byte
  CHECK(r.pop_all().empty());
  CHECK(r.a.counters().malformed == 1);
}
