#include <doctest/doctest.h>

#include "rtp/rtcp_feedback.hpp"
#include "rtp/rtcp_reports.hpp"
#include "rtp_test_util.hpp"

using namespace umbrella;
using namespace umbrella::rtp;
using namespace umbrella::rtp::test;

namespace {

RtcpHeader only_packet(Bytes data) {
  auto h = parse_rtcp_header(data);
  REQUIRE(h.ok());
  REQUIRE(h->packet.size() == data.size());
  return *h;
}

ReportBlock sample_block(uint32_t ssrc) {
  ReportBlock b;
  b.ssrc = ssrc;
  b.fraction_lost = 25;
  b.cumulative_lost = -3;
  b.extended_highest_seq = 0x0001FFFF;
  b.jitter = 77;
  b.lsr = 0x12345678;
  b.dlsr = 0x00010000;
  return b;
}

}  // namespace

TEST_CASE("hand-written SR parses field by field") {
  Buf sr = {0x80, 200, 0x00, 0x06, 0x11, 0x22, 0x33, 0x44, 0xE8, 0x5E, 0x1B, 0x4A,
            0x80, 0x00, 0x00, 0x00, 0x00, 0x01, 0xE2, 0x40, 0x00, 0x00, 0x00, 0x0A,
            0x00, 0x00, 0x03, 0xE8};
  auto v = parse_sr(only_packet(sr));
  REQUIRE(v.ok());
  CHECK(v->ssrc == 0x11223344);
  CHECK(v->info.ntp_timestamp == 0xE85E1B4A80000000ULL);
  CHECK(v->info.rtp_timestamp == 123456);
  CHECK(v->info.packet_count == 10);
  CHECK(v->info.octet_count == 1000);
  CHECK(v->blocks.size() == 0);
  CHECK(parse_rr(only_packet(sr)).error() == ParseError::kWrongType);
}

TEST_CASE("SR and RR builders round-trip through their parsers") {
  ReportBlock blocks[] = {sample_block(1), sample_block(2)};
  SenderInfo info{0x0102030405060708ULL, 9, 10, 11};
  Buf out(200);
  size_t n = build_sr(out, 0xAA, info, blocks);
  REQUIRE(n == 4 + 24 + 2 * 24);
  auto sr = parse_sr(only_packet(Bytes(out.data(), n)));
  REQUIRE(sr.ok());
  CHECK(sr->ssrc == 0xAA);
  CHECK(sr->info == info);
  REQUIRE(sr->blocks.size() == 2);
  CHECK(sr->blocks[0] == blocks[0]);
  CHECK(sr->blocks[1] == blocks[1]);
  CHECK(sr->profile_extension.empty());

  n = build_rr(out, 0xBB, blocks);
  REQUIRE(n == 8 + 48);
  auto rr = parse_rr(only_packet(Bytes(out.data(), n)));
  REQUIRE(rr.ok());
  CHECK(rr->ssrc == 0xBB);
  REQUIRE(rr->blocks.size() == 2);
  CHECK(rr->blocks[1] == blocks[1]);

  n = build_rr(out, 0xCC);
  REQUIRE(n == 8);
  CHECK(parse_rr(only_packet(Bytes(out.data(), n)))->blocks.size() == 0);

  CHECK(build_sr(std::span(out).first(27), 1, info) == 0);
}

TEST_CASE("cumulative lost saturates to 24 bits") {
  ReportBlock b = sample_block(1);
  b.cumulative_lost = 0x7FFFFFFF;
  Buf out(64);
  size_t n = build_rr(out, 1, std::span(&b, 1));
  CHECK(parse_rr(only_packet(Bytes(out.data(), n)))->blocks[0].cumulative_lost == 0x7FFFFF);
  b.cumulative_lost = -0x7FFFFFFF;
  n = build_rr(out, 1, std::span(&b, 1));
  CHECK(parse_rr(only_packet(Bytes(out.data(), n)))->blocks[0].cumulative_lost == -0x800000);
}

TEST_CASE("RR with more blocks than its length holds is refused") {
  Buf rr = {0x82, 201, 0x00, 0x07, 0, 0, 0, 1};  // RC=2 but only one block's worth of length
  rr.resize(32);
  CHECK(parse_rr(only_packet(rr)).error() == ParseError::kTooShort);
}

TEST_CASE("SDES CNAME round-trips and multi-chunk SDES parses") {
  Buf out(100);
  for (std::string_view cname : {"a", "ab", "abc", "abcd", "{f8d21f44-1c9c-4a5b}"}) {
    size_t n = build_sdes_cname(out, 0x42, cname);
    REQUIRE(n > 0);
    CHECK(n % 4 == 0);
    auto v = parse_sdes(only_packet(Bytes(out.data(), n)));
    REQUIRE(v.ok());
    REQUIRE(v->count == 1);
    CHECK(v->chunks[0].ssrc == 0x42);
    CHECK(v->chunks[0].cname == cname);
  }
  // Two chunks: CNAME "xy" then NAME (2) "n" followed by CNAME "c".
  Buf sdes = {0x82, 202, 0x00, 0x06, 0, 0, 0, 1, 1, 2, 'x', 'y', 0, 0, 0, 0,
              0, 0, 0, 2, 2, 1, 'n', 1, 1, 'c', 0, 0};
  auto v = parse_sdes(only_packet(sdes));
  REQUIRE(v.ok());
  REQUIRE(v->count == 2);
  CHECK(v->chunks[0].cname == "xy");
  CHECK(v->chunks[1].ssrc == 2);
  CHECK(v->chunks[1].cname == "c");
  // An item running past the end.
  Buf bad = {0x81, 202, 0x00, 0x02, 0, 0, 0, 1, 1, 9, 'x', 'y'};
  CHECK_FALSE(parse_sdes(only_packet(bad)).ok());
  // Missing terminator.
  Buf unterminated = {0x81, 202, 0x00, 0x02, 0, 0, 0, 1, 1, 2, 'x', 'y'};
  CHECK_FALSE(parse_sdes(only_packet(unterminated)).ok());
  CHECK(build_sdes_cname(out, 1, "") == 0);
}

TEST_CASE("BYE round-trips with and without a reason") {
  uint32_t ssrcs[] = {1, 2, 3};
  Buf out(100);
  size_t n = build_bye(out, ssrcs);
  REQUIRE(n == 16);
  auto v = parse_bye(only_packet(Bytes(out.data(), n)));
  REQUIRE(v.ok());
  REQUIRE(v->count == 3);
  CHECK(v->ssrc(2) == 3);
  CHECK(v->reason.empty());
  n = build_bye(out, std::span(ssrcs, 1), "shutdown");
  REQUIRE(n == 4 + 4 + 12);
  v = parse_bye(only_packet(Bytes(out.data(), n)));
  REQUIRE(v.ok());
  CHECK(v->reason == "shutdown");
  Buf bad_reason = {0x81, 203, 0x00, 0x02, 0, 0, 0, 1, 10, 'a', 'b', 'c'};
  CHECK(parse_bye(only_packet(bad_reason)).error() == ParseError::kBadLength);
}

TEST_CASE("compound iteration: SR + SDES, every length checked") {
  Buf out(200);
  size_t n = build_sr(out, 7, SenderInfo{1, 2, 3, 4});
  n += build_sdes_cname(std::span(out).subspan(n), 7, "cname");
  n += build_pli(std::span(out).subspan(n), 7, 8);
  Bytes compound(out.data(), n);
  CHECK(validate_compound(compound));
  RtcpIterator it(compound);
  auto a = it.next();
  auto b = it.next();
  auto c = it.next();
  REQUIRE(a);
  REQUIRE(b);
  REQUIRE(c);
  CHECK(a->is(RtcpType::kSr));
  CHECK(b->is(RtcpType::kSdes));
  CHECK(c->is(RtcpType::kPsfb));
  CHECK_FALSE(it.next());
  CHECK_FALSE(it.error());

  // Truncate: the last packet's length now overruns.
  RtcpIterator cut(compound.first(n - 1));
  CHECK(cut.next());
  CHECK(cut.next());
  CHECK_FALSE(cut.next());
  CHECK(cut.error() == ParseError::kBadLength);
  CHECK_FALSE(validate_compound(compound.first(n - 1)));

  Buf bad_version = {0x40, 201, 0, 1, 0, 0, 0, 1};
  RtcpIterator bv(bad_version);
  CHECK_FALSE(bv.next());
  CHECK(bv.error() == ParseError::kBadVersion);
  CHECK_FALSE(validate_compound(Bytes{}));
  CHECK(parse_rtcp_header(Buf{0x80, 201, 0}).error() == ParseError::kTooShort);
}

TEST_CASE("RTCP padding is validated and stripped from the body") {
  Buf rr = {0xA0, 201, 0x00, 0x02, 0, 0, 0, 9, 0, 0, 0, 4};  // P=1, 4 bytes padding
  auto h = parse_rtcp_header(rr);
  REQUIRE(h.ok());
  CHECK(h->body.size() == 4);
  CHECK(parse_rr(*h)->ssrc == 9);
  Buf zero_pad = {0xA0, 201, 0x00, 0x01, 0, 0, 0, 0};
  CHECK(parse_rtcp_header(zero_pad).error() == ParseError::kBadPadding);
  Buf huge_pad = {0xA0, 201, 0x00, 0x01, 0, 0, 0, 9};
  CHECK(parse_rtcp_header(huge_pad).error() == ParseError::kBadPadding);
}
