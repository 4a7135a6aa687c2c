#include <doctest/doctest.h>

#include <vector>

#include "rtp/rtcp_twcc.hpp"
#include "rtp_test_util.hpp"

using namespace umbrella;
using namespace umbrella::rtp;
using namespace umbrella::rtp::test;

namespace {

// base 100, 15 statuses, reference 16 (1024 ms), fb count 7. Chunks: run of 5 small; 2-bit
// vector [none, large, small, small, none, none, none]; 1-bit vector [1, 0, 1]. Padded (P bit).
Buf sample_feedback() {
  return {0xAF, 205, 0x00, 0x09, 0, 0, 0, 1, 0, 0, 0, 2,
          0x00, 0x64, 0x00, 0x0F, 0x00, 0x00, 0x10, 0x07,
          0x20, 0x05, 0xC9, 0x40, 0xA8, 0x00,
          0x04, 0x04, 0x04, 0x04, 0x04, 0xFF, 0xF8, 0x0A, 0x00, 0x01, 0xFF,
          0x00, 0x00, 0x03};
}

std::vector<TwccPacket> decode_all(Bytes packet) {
  auto h = parse_rtcp_header(packet);
  REQUIRE(h.ok());
  auto v = parse_twcc(*h);
  REQUIRE(v.ok());
  std::vector<TwccPacket> out(v->status_count);
  auto n = decode_twcc(*v, out);
  REQUIRE(n.ok());
  REQUIRE(*n == v->status_count);
  return out;
}

void check_round_trip(uint16_t base, const std::vector<int64_t>& arrivals) {
  Buf out(20000);
  size_t n = build_twcc(out, 1, 2, 9, base, arrivals);
  REQUIRE(n > 0);
  CHECK(n % 4 == 0);
  auto h = parse_rtcp_header(Bytes(out.data(), n));
  REQUIRE(h.ok());
  CHECK(h->packet.size() == n);
  auto v = parse_twcc(*h);
  REQUIRE(v.ok());
  CHECK(v->fb_count == 9);
  CHECK(v->base_seq == base);
  auto got = decode_all(Bytes(out.data(), n));
  REQUIRE(got.size() == arrivals.size());
  for (size_t i = 0; i < arrivals.size(); ++i) {
    CAPTURE(i);
    CHECK(got[i].seq == uint16_t(base + i));
    if (arrivals[i] == kTwccNotReceived) {
      CHECK(got[i].status == TwccStatus::kNotReceived);
    } else {
      CHECK(got[i].status != TwccStatus::kNotReceived);
      CHECK(got[i].receive_time_us <= arrivals[i]);
      CHECK(got[i].receive_time_us > arrivals[i] - kTwccDeltaUs);
    }
  }
}

}  // namespace

TEST_CASE("transport-cc: hand-written feedback decodes") {
  Buf p = sample_feedback();
  auto h = parse_rtcp_header(p);
  REQUIRE(h.ok());
  auto v = parse_twcc(*h);
  REQUIRE(v.ok());
  CHECK(v->sender_ssrc == 1);
  CHECK(v->media_ssrc == 2);
  CHECK(v->base_seq == 100);
  CHECK(v->status_count == 15);
  CHECK(v->reference_time == 16);
  CHECK(v->reference_time_us() == 1024000);
  CHECK(v->fb_count == 7);
  auto got = decode_all(p);
  using S = TwccStatus;
  std::vector<S> statuses = {S::kSmallDelta,  S::kSmallDelta,  S::kSmallDelta, S::kSmallDelta,
                             S::kSmallDelta,  S::kNotReceived, S::kLargeDelta, S::kSmallDelta,
                             S::kSmallDelta,  S::kNotReceived, S::kNotReceived, S::kNotReceived,
                             S::kSmallDelta,  S::kNotReceived, S::kSmallDelta};
  std::vector<int64_t> times = {1025000, 1026000, 1027000, 1028000, 1029000, 0, 1027000,
                                1029500, 1029500, 0, 0, 0, 1029750, 0, 1093500};
  for (size_t i = 0; i < got.size(); ++i) {
    CAPTURE(i);
    CHECK(got[i].seq == 100 + i);
    CHECK(got[i].status == statuses[i]);
    CHECK(got[i].receive_time_us == times[i]);
  }
  CHECK(got[6].delta == -8);

  // Bounded output: only the first 4 are written, the rest is still validated.
  TwccPacket few[4];
  auto n = decode_twcc(*v, few);
  REQUIRE(n.ok());
  CHECK(*n == 4);
  CHECK(few[3].receive_time_us == 1028000);
}

TEST_CASE("transport-cc: malformed feedback is refused") {
  Buf p = sample_feedback();
  // Drop the last delta: length now says 36 bytes without padding.
  Buf truncated(p.begin(), p.begin() + 36);
  truncated[0] = 0x8F;
  truncated[3] = 0x08;
  auto h = parse_rtcp_header(truncated);
  REQUIRE(h.ok());
  auto v = parse_twcc(*h);
  REQUIRE(v.ok());
  TwccPacket out[16];
  CHECK(decode_twcc(*v, out).error() == ParseError::kTooShort);

  Buf reserved = sample_feedback();
  reserved[20] = 0x60;  // run-length chunk with symbol 3
  auto hr = parse_rtcp_header(reserved);
  CHECK(decode_twcc(*parse_twcc(*hr), out).error() == ParseError::kBadContent);

  Buf too_many = sample_feedback();
  too_many[15] = 0xFF;  // 255 statuses: chunks run out
  auto ht = parse_rtcp_header(too_many);
  CHECK_FALSE(decode_twcc(*parse_twcc(*ht), out).ok());

  Buf header_only = {0x8F, 205, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 2, 0, 1, 0, 1};
  CHECK(parse_twcc(*parse_rtcp_header(header_only)).error() == ParseError::kTooShort);
}

TEST_CASE("transport-cc builder round-trips through the parser") {
  check_round_trip(0, {0});
  check_round_trip(65530, {1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000});
  std::vector<int64_t> mixed;
  for (int i = 0; i < 100; ++i) {
    if (i % 7 == 3) {
      mixed.push_back(kTwccNotReceived);
    } else if (i % 11 == 5) {
      mixed.push_back(5000000 + i * 1000 - 70000);  // arrives "before" the previous: negative
    } else {
      mixed.push_back(5000000 + i * 1000 + (i % 3) * 90000);  // some large jumps
    }
  }
  check_round_trip(1234, mixed);
  std::vector<int64_t> long_run;
  for (int i = 0; i < 10000; ++i) long_run.push_back(-200000 + i * 1000);
  check_round_trip(7, long_run);  // runs longer than 8191, negative reference time
  std::vector<int64_t> sparse(300, kTwccNotReceived);
  sparse[0] = 64000;
  sparse[299] = 64000 + 2000000;
  check_round_trip(9, sparse);

  Buf out(100);
  std::vector<int64_t> gap_too_big = {0, 10000000};  // 10 s does not fit 16 bits of 250 us
  CHECK(build_twcc(out, 1, 2, 0, 0, gap_too_big) == 0);
  std::vector<int64_t> none_received = {kTwccNotReceived, kTwccNotReceived};
  CHECK(build_twcc(out, 1, 2, 0, 0, none_received) == 0);
  // Lost packets before the first received one are reported too (the loss counts).
  check_round_trip(11, {kTwccNotReceived, kTwccNotReceived, 128000, 129000});
}

TEST_CASE("transport-cc builder: reference times past the signed 24-bit range wrap explicitly") {
  // A steady clock 7 days after boot is past 2^23 ticks of 64 ms: the reference is written
  // modulo 2^24 ticks and decodes one wrap period earlier, deltas unchanged.
  Buf out(200);
  int64_t week = int64_t(7) * 24 * 3600 * 1000000;
  std::vector<int64_t> arrivals = {week, week + 1000, kTwccNotReceived, week + 8000000};
  size_t n = build_twcc(out, 1, 2, 0, 0, arrivals);
  REQUIRE(n > 0);
  auto v = parse_twcc(*parse_rtcp_header(Bytes(out.data(), n)));
  REQUIRE(v.ok());
  CHECK(v->reference_time < 0);
  CHECK(int64_t(v->reference_time) == week / kTwccReferenceUs - (int64_t(1) << 24));
  auto got = decode_all(Bytes(out.data(), n));
  REQUIRE(got.size() == 4);
  for (size_t i : {0, 1, 3}) {
    CAPTURE(i);
    CHECK(got[i].receive_time_us + kTwccReferenceWrapUs <= arrivals[i]);
    CHECK(got[i].receive_time_us + kTwccReferenceWrapUs > arrivals[i] - kTwccDeltaUs);
  }
  CHECK(got[2].status == TwccStatus::kNotReceived);

  // The RTCP fuzzer's case: feedback whose reference is the largest signed 24-bit value and
  // whose first delta is large and positive; re-encoding its decoded times must wrap.
  Buf edge = {0x8F, 205, 0x00, 0x05, 0, 0, 0, 1, 0, 0, 0, 2,
              0x00, 0x00, 0x00, 0x01, 0x7F, 0xFF, 0xFF, 0x00,
              0x40, 0x01, 0x7F, 0xFF};
  auto first = decode_all(edge);
  REQUIRE(first.size() == 1);
  CHECK(first[0].receive_time_us == 0x7FFFFF * kTwccReferenceUs + 0x7FFF * kTwccDeltaUs);
  n = build_twcc(out, 1, 2, 0, 0, std::vector<int64_t>{first[0].receive_time_us});
  REQUIRE(n > 0);
  auto again = decode_all(Bytes(out.data(), n));
  CHECK(again[0].receive_time_us + kTwccReferenceWrapUs == first[0].receive_time_us);

  // And the negative end: the most negative reference with a negative first delta.
  Buf low = {0x8F, 205, 0x00, 0x05, 0, 0, 0, 1, 0, 0, 0, 2,
             0x00, 0x00, 0x00, 0x01, 0x80, 0x00, 0x00, 0x00,
             0x40, 0x01, 0xFF, 0xFF};
  auto l = decode_all(low);
  CHECK(l[0].receive_time_us == -(int64_t(1) << 23) * kTwccReferenceUs - kTwccDeltaUs);
  n = build_twcc(out, 1, 2, 0, 0, std::vector<int64_t>{l[0].receive_time_us});
  REQUIRE(n > 0);
  auto back = decode_all(Bytes(out.data(), n));
  CHECK(back[0].receive_time_us - kTwccReferenceWrapUs == l[0].receive_time_us);
}

TEST_CASE("transport-cc builder: randomized patterns round-trip") {
  uint32_t rng = 99;
  auto next = [&] { return (rng = rng * 1664525u + 1013904223u) >> 8; };  // drop weak low bits
  for (int round = 0; round < 200; ++round) {
    size_t n = 1 + next() % 400;
    std::vector<int64_t> arrivals;
    int64_t t = int64_t(next() % 100000000);
    for (size_t i = 0; i < n; ++i) {
      uint32_t r = next() % 100;
      if (i > 0 && r < 20) {
        arrivals.push_back(kTwccNotReceived);
        continue;
      }
      if (r < 70) t += next() % 3000;               // small
      else if (r < 90) t += 64000 + next() % 100000; // large
      else t -= next() % 20000;                      // negative
      arrivals.push_back(t);
    }
    check_round_trip(uint16_t(next()), arrivals);
  }
}
