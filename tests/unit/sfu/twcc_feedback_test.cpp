#include <doctest/doctest.h>

#include <array>

#include "rtp/rtcp_packet.hpp"
#include "rtp/rtcp_twcc.hpp"
#include "sfu/twcc_feedback.hpp"

using namespace umbrella;

namespace {
struct Decoded {
  rtp::TwccView view;
  std::array<rtp::TwccPacket, 64> packets;
  size_t count = 0;
};

Decoded decode(Bytes feedback) {
  Decoded d;
  auto h = rtp::parse_rtcp_header(feedback);
  REQUIRE(h.ok());
  auto v = rtp::parse_twcc(*h);
  REQUIRE(v.ok());
  d.view = *v;
  auto n = rtp::decode_twcc(*v, d.packets);
  REQUIRE(n.ok());
  d.count = *n;
  return d;
}
}  // namespace

TEST_CASE("twcc feedback reports arrivals and gaps, then starts after what it reported") {
  sfu::TwccFeedback fb;
  Instant t0 = Instant{} + seconds(100);
  CHECK_FALSE(fb.pending());
  CHECK(fb.next_deadline() == kNever);
  fb.record(10, t0);
  fb.record(11, t0 + milliseconds(5));
  fb.record(13, t0 + milliseconds(12));  // 12 lost
  CHECK(fb.pending());
  CHECK(fb.next_deadline() == t0 + sfu::TwccFeedback::kInterval);
  std::array<uint8_t, 1200> out;
  size_t n = fb.build(out, 1, 0xabcd, t0 + milliseconds(50));
  REQUIRE(n > 0);
  auto d = decode(Bytes(out.data(), n));
  CHECK(d.view.media_ssrc == 0xabcd);
  CHECK(d.view.base_seq == 10);
  CHECK(d.view.status_count == 4);
  CHECK(d.view.fb_count == 0);
  REQUIRE(d.count == 4);
  CHECK(d.packets[0].status != rtp::TwccStatus::kNotReceived);
  CHECK(d.packets[1].status != rtp::TwccStatus::kNotReceived);
  CHECK(d.packets[2].status == rtp::TwccStatus::kNotReceived);
  CHECK(d.packets[3].status != rtp::TwccStatus::kNotReceived);
  CHECK(d.packets[3].receive_time_us - d.packets[0].receive_time_us == 12000);

  CHECK_FALSE(fb.pending());
  fb.record(12, t0 + milliseconds(60));  // already reported as lost: ignored
  CHECK_FALSE(fb.pending());
  fb.record(14, t0 + milliseconds(70));
  n = fb.build(out, 1, 0xabcd, t0 + milliseconds(100));
  d = decode(Bytes(out.data(), n));
  CHECK(d.view.base_seq == 14);
  CHECK(d.view.fb_count == 1);
}

TEST_CASE("twcc feedback follows sequence wrap-around") {
  sfu::TwccFeedback fb;
  Instant t0 = Instant{} + seconds(5);
  fb.record(65534, t0);
  fb.record(65535, t0 + milliseconds(1));
  fb.record(0, t0 + milliseconds(2));
  std::array<uint8_t, 1200> out;
  size_t n = fb.build(out, 1, 2, t0 + milliseconds(50));
  auto d = decode(Bytes(out.data(), n));
  CHECK(d.view.base_seq == 65534);
  CHECK(d.count == 3);
}
