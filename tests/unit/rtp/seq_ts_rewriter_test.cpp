#include <doctest/doctest.h>

#include "rtp/seq.hpp"
#include "rtp/seq_ts_rewriter.hpp"

using namespace umbrella;
using namespace umbrella::rtp;

namespace {
const Instant t0 = Instant{} + seconds(100);
}

TEST_CASE("sequence arithmetic and unwrapping") {
  CHECK(seq_newer(1, 0));
  CHECK(seq_newer(0, 65535));
  CHECK_FALSE(seq_newer(65535, 0));
  CHECK_FALSE(seq_newer(5, 5));
  CHECK(seq_newer(0x8000, 0) != seq_newer(0, 0x8000));
  CHECK(seq_diff(2, 65534) == 4);
  CHECK(seq_diff(65534, 2) == -4);
  SeqUnwrapper u;
  int64_t a = u.unwrap(65534);
  CHECK(u.unwrap(65535) == a + 1);
  CHECK(u.unwrap(1) == a + 3);
  CHECK(u.unwrap(65533) == a - 1);  // late packet from before the wrap
  CHECK(u.last() == a + 3);
  CHECK(u.unwrap(2) == a + 4);
}

TEST_CASE("one source maps continuously, across sequence and timestamp wrap") {
  SeqTimestampRewriter rw(90000, 1000, 5000);
  auto a = rw.map(1, 65534, 0xFFFFFF00, t0);
  REQUIRE(a);
  CHECK(a->sequence == 1000);
  CHECK(a->timestamp == 5000);
  auto b = rw.map(1, 65535, 0xFFFFFF00, t0);
  auto c = rw.map(1, 0, 0x00000100, t0 + milliseconds(33));
  REQUIRE(b);
  REQUIRE(c);
  CHECK(b->sequence == 1001);
  CHECK(c->sequence == 1002);
  CHECK(c->timestamp == 5000 + 0x200);
  CHECK(rw.last_sequence() == 1002);
}

TEST_CASE("reordered packets of the current source map consistently") {
  SeqTimestampRewriter rw(90000);
  REQUIRE(rw.map(7, 10, 100, t0));
  auto s12 = rw.map(7, 12, 200, t0);
  auto s11 = rw.map(7, 11, 100, t0);  // late
  REQUIRE(s12);
  REQUIRE(s11);
  CHECK(uint16_t(s12->sequence - s11->sequence) == 1);
  CHECK(s11->timestamp + 100 == s12->timestamp);
  CHECK(rw.last_sequence() == s12->sequence);  // the late one did not move the head back
  CHECK_FALSE(rw.map(7, 9, 0, t0));            // older than the first forwarded packet
}

TEST_CASE("a source switch continues with seq+1 and elapsed wall time") {
  SeqTimestampRewriter rw(90000, 500, 1000);
  REQUIRE(rw.map(0xA, 40000, 7000000, t0));
  auto last = rw.map(0xA, 40001, 7003000, t0 + milliseconds(33));
  REQUIRE(last);
  // New publisher / simulcast layer: unrelated numbering, 100 ms after the last frame.
  CHECK_FALSE(rw.map(0xB, 2, 0, t0 + milliseconds(50)));  // not switched to yet
  rw.switch_source(0xB);
  auto first_new = rw.map(0xB, 3, 123, t0 + milliseconds(133));
  REQUIRE(first_new);
  CHECK(first_new->sequence == uint16_t(last->sequence + 1));
  CHECK(first_new->timestamp == last->timestamp + 9000);  // 100 ms at 90 kHz
  auto next_new = rw.map(0xB, 4, 123 + 3000, t0 + milliseconds(166));
  CHECK(next_new->sequence == uint16_t(last->sequence + 2));
  CHECK(next_new->timestamp == first_new->timestamp + 3000);
  // Late packets of the old source are dropped.
  CHECK_FALSE(rw.map(0xA, 40002, 7006000, t0 + milliseconds(170)));
  CHECK_FALSE(rw.map(0xB, 2, 0, t0 + milliseconds(170)));  // older than the switch
  CHECK(rw.current_ssrc() == 0xB);
}

TEST_CASE("a switch never moves the timestamp backwards, even with no elapsed time") {
  SeqTimestampRewriter rw(48000);
  auto a = rw.map(1, 100, 960, t0);
  rw.switch_source(2);
  auto b = rw.map(2, 100, 0, t0);  // same instant
  REQUIRE(a);
  REQUIRE(b);
  CHECK(b->timestamp == a->timestamp + 1);
  CHECK(b->sequence == uint16_t(a->sequence + 1));
}

TEST_CASE("switch_source restarts mapping with the same SSRC (trunk reconnect)") {
  SeqTimestampRewriter rw(90000, 10, 0);
  REQUIRE(rw.map(1, 5000, 1000, t0));
  rw.switch_source(1);
  auto r = rw.map(1, 17, 50, t0 + milliseconds(10));
  REQUIRE(r);
  CHECK(r->sequence == 11);
  CHECK(r->timestamp == 900);
  // 5001 is 4984 past 17 in serial order, so it is treated as a newer packet of the source.
  CHECK(rw.map(1, 5001, 4000, t0 + milliseconds(11)));
}

TEST_CASE("output sequence numbers map back to the source for NACKs") {
  SeqTimestampRewriter rw(90000, 100, 0);
  REQUIRE(rw.map(1, 1, 0, t0));
  REQUIRE(rw.map(1, 2, 0, t0));
  rw.switch_source(2);
  rw.map(2, 60000, 0, t0 + milliseconds(5));  // out 102
  rw.map(2, 60001, 0, t0 + milliseconds(5));  // out 103
  CHECK(rw.to_source_sequence(102) == 60000);
  CHECK(rw.to_source_sequence(103) == 60001);
  CHECK_FALSE(rw.to_source_sequence(101));  // belonged to the previous source
  CHECK_FALSE(rw.to_source_sequence(104));  // not sent yet
}

TEST_CASE("output keeps going across many switches and the 16-bit wrap") {
  SeqTimestampRewriter rw(90000, 65530, 0xFFFFF000);
  uint16_t expect = 65530;
  uint32_t last_ts = 0;
  bool first = true;
  for (uint32_t src = 1; src <= 6; ++src) {
    if (src > 1) rw.switch_source(src);
    for (uint16_t i = 0; i < 3; ++i) {
      auto m = rw.map(src, uint16_t(src * 1000 + i), src * 77 + i * 3000,
                      t0 + milliseconds(src * 100 + i * 33));
      REQUIRE(m);
      CHECK(m->sequence == expect);
      if (!first) CHECK(int32_t(m->timestamp - last_ts) > 0);
      first = false;
      last_ts = m->timestamp;
      ++expect;
    }
  }
}

TEST_CASE("NACKs still map back after more than 2^15 packets of one source") {
  // Found by the seq_rewriter fuzzer: the forwarded range was compared in 16-bit serial order
  // from the source's first output, so after 32768 packets (minutes of video) every NACK
  // from a subscriber missed. Only the last 2^15 numbers can be told apart, and they must.
  SeqTimestampRewriter rw(90000, 100, 0);
  for (uint32_t i = 0; i < 70000; ++i) REQUIRE(rw.map(1, uint16_t(5000 + i), i * 3000, t0));
  uint16_t newest = uint16_t(100 + 70000 - 1);
  CHECK(rw.last_sequence() == newest);
  CHECK(rw.to_source_sequence(newest) == uint16_t(5000 + 70000 - 1));
  CHECK(rw.to_source_sequence(uint16_t(newest - 10)) == uint16_t(5000 + 70000 - 11));
  CHECK(rw.to_source_sequence(uint16_t(newest - 32767)) == uint16_t(5000 + 70000 - 1 - 32767));
  CHECK_FALSE(rw.to_source_sequence(uint16_t(newest + 1)));
  CHECK_FALSE(rw.to_source_sequence(uint16_t(newest + 1000)));

  // A young source still refuses numbers from before its first packet.
  rw.switch_source(2);
  REQUIRE(rw.map(2, 7, 0, t0 + milliseconds(10)));
  REQUIRE(rw.map(2, 8, 0, t0 + milliseconds(10)));
  CHECK(rw.to_source_sequence(uint16_t(newest + 2)) == 8);
  CHECK(rw.to_source_sequence(uint16_t(newest + 1)) == 7);
  CHECK_FALSE(rw.to_source_sequence(newest));
}

TEST_CASE("skipped packets leave no gap; late packets and NACKs find their numbers through them") {
  SeqTimestampRewriter rw(90000, 500, 0);
  auto map = [&](uint16_t s) { return rw.map(7, s, 3000, t0); };
  REQUIRE(map(65530)->sequence == 500);
  rw.skip(7, 65531, 3000, t0);
  rw.skip(7, 65532, 3000, t0);
  CHECK(map(65533)->sequence == 501);
  // 65534 is missing (it may still come, so it keeps its number); 65535 and 0 are skipped.
  rw.skip(7, 65535, 3000, t0);
  rw.skip(7, 0, 3000, t0);
  CHECK(map(1)->sequence == 503);
  CHECK(rw.last_sequence() == 503);
  CHECK(map(65534)->sequence == 502);  // late, into its place before the skips
  // A late packet whose place is ahead of everything sent moves the newest number on.
  rw.skip(7, 3, 3000, t0);
  CHECK(map(2)->sequence == 504);
  CHECK(rw.last_sequence() == 504);
  CHECK(map(4)->sequence == 505);
  // Back from subscriber numbers to the source's, over the skips and the wrap.
  CHECK(rw.to_source_sequence(500) == uint16_t(65530));
  CHECK(rw.to_source_sequence(501) == uint16_t(65533));
  CHECK(rw.to_source_sequence(502) == uint16_t(65534));
  CHECK(rw.to_source_sequence(503) == uint16_t(1));
  CHECK(rw.to_source_sequence(504) == uint16_t(2));
  CHECK(rw.to_source_sequence(505) == uint16_t(4));
  CHECK_FALSE(rw.to_source_sequence(506));
  CHECK_FALSE(rw.to_source_sequence(499));
  // A skip of a packet older than the newest changes nothing (its number is given out).
  rw.skip(7, 1, 3000, t0);
  CHECK(map(5)->sequence == 506);
  // Another SSRC's packets are not the source's, skipped or not.
  rw.skip(8, 6, 3000, t0);
  CHECK(map(6)->sequence == 507);
}

TEST_CASE("a source that starts with skipped packets, and a switch after skips") {
  SeqTimestampRewriter rw(90000, 100, 0);
  rw.skip(1, 10, 0, t0);
  rw.skip(1, 11, 0, t0);
  CHECK(rw.map(1, 12, 0, t0)->sequence == 100);
  rw.skip(1, 13, 0, t0);
  rw.switch_source(2);
  rw.skip(2, 5000, 0, t0 + milliseconds(10));  // the new source's first packet is skipped
  auto m = rw.map(2, 5001, 900, t0 + milliseconds(20));
  REQUIRE(m);
  CHECK(m->sequence == 101);
  CHECK(rw.to_source_sequence(101) == uint16_t(5001));
  CHECK_FALSE(rw.to_source_sequence(100));  // the previous source's
  CHECK_FALSE(rw.map(1, 14, 0, t0));
}

TEST_CASE("after skips, packets further back than the window are refused, not misnumbered") {
  SeqTimestampRewriter rw(90000, 0, 0);
  REQUIRE(rw.map(1, 0, 0, t0));
  rw.skip(1, 1, 0, t0);
  uint16_t s = 2;
  for (; s < 2 + SeqTimestampRewriter::kSkipWindow + 10; ++s) REQUIRE(rw.map(1, s, 0, t0));
  CHECK(rw.last_sequence() == uint16_t(s - 2));
  CHECK_FALSE(rw.map(1, 1, 0, t0));
  CHECK_FALSE(rw.to_source_sequence(0));
  CHECK(rw.to_source_sequence(uint16_t(s - 2)) == uint16_t(s - 1));
}
