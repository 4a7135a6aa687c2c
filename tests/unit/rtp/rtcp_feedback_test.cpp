#include <doctest/doctest.h>

#include <vector>

#include "rtp/rtcp_feedback.hpp"
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

std::vector<uint16_t> lost_of(const NackView& v) {
  std::vector<uint16_t> out;
  v.for_each_lost([&](uint16_t s) { out.push_back(s); });
  return out;
}

}  // namespace

TEST_CASE("PLI round-trips and its media SSRC can be rewritten") {
  Buf out(64);
  size_t n = build_pli(out, 1, 0xABCDEF01);
  REQUIRE(n == 12);
  CHECK(out[0] == 0x81);
  CHECK(out[1] == 206);
  auto v = parse_pli(only_packet(Bytes(out.data(), n)));
  REQUIRE(v.ok());
  CHECK(v->sender_ssrc == 1);
  CHECK(v->media_ssrc == 0xABCDEF01);
  CHECK(set_feedback_media_ssrc(std::span(out).first(n), 0x55));
  CHECK(set_feedback_sender_ssrc(std::span(out).first(n), 0x66));
  v = parse_pli(only_packet(Bytes(out.data(), n)));
  CHECK(v->media_ssrc == 0x55);
  CHECK(v->sender_ssrc == 0x66);
  CHECK(parse_fir(only_packet(Bytes(out.data(), n))).error() == ParseError::kWrongType);
  Buf short_pli = {0x81, 206, 0x00, 0x01, 0, 0, 0, 1};
  CHECK(parse_pli(only_packet(short_pli)).error() == ParseError::kTooShort);
}

TEST_CASE("FIR round-trips; entries can be pointed at another SSRC") {
  FirEntry entries[] = {{0x1111, 3}, {0x2222, 255}};
  Buf out(64);
  size_t n = build_fir(out, 9, entries);
  REQUIRE(n == 12 + 16);
  auto v = parse_fir(only_packet(Bytes(out.data(), n)));
  REQUIRE(v.ok());
  CHECK(v->sender_ssrc == 9);
  REQUIRE(v->size() == 2);
  CHECK(v->operator[](0) == entries[0]);
  CHECK(v->operator[](1) == entries[1]);
  CHECK(set_fir_media_ssrc(std::span(out).first(n), 0x7777));
  v = parse_fir(only_packet(Bytes(out.data(), n)));
  CHECK(v->operator[](0).ssrc == 0x7777);
  CHECK(v->operator[](1).ssrc == 0x7777);
  CHECK(v->operator[](1).seq_nr == 255);
  Buf no_entries = {0x84, 206, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 0};
  CHECK(parse_fir(only_packet(no_entries)).error() == ParseError::kBadLength);
}

TEST_CASE("NACK: hand-written PID/BLP expands to the lost sequence numbers") {
  // PID 100, BLP 0x8003 -> 100, 101, 102, 116; PID 65535, BLP 0x0001 -> 65535, 0.
  Buf nack = {0x81, 205, 0x00, 0x04, 0, 0, 0, 1, 0, 0, 0, 2,
              0x00, 100, 0x80, 0x03, 0xFF, 0xFF, 0x00, 0x01};
  auto v = parse_nack(only_packet(nack));
  REQUIRE(v.ok());
  CHECK(v->sender_ssrc == 1);
  CHECK(v->media_ssrc == 2);
  CHECK(v->item_count() == 2);
  CHECK(lost_of(*v) == std::vector<uint16_t>{100, 101, 102, 116, 65535, 0});
  uint16_t first3[3];
  CHECK(v->lost(first3) == 3);
  CHECK(first3[2] == 102);
  Buf empty_fci = {0x81, 205, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 2};
  CHECK(parse_nack(only_packet(empty_fci)).error() == ParseError::kBadLength);
}

TEST_CASE("NACK builder packs PID/BLP across wrap-around and round-trips") {
  std::vector<uint16_t> lost = {65530, 65531, 65535, 0, 9, 10, 11, 100, 116, 117};
  Buf out(128);
  size_t n = build_nack(out, 5, 6, lost);
  REQUIRE(n > 0);
  auto v = parse_nack(only_packet(Bytes(out.data(), n)));
  REQUIRE(v.ok());
  // 65530 covers up to 65530+16 = 10; 11 starts a new item; 100 covers 116; 117 new.
  CHECK(v->item_count() == 4);
  CHECK(lost_of(*v) == lost);
  CHECK(build_nack(out, 5, 6, {}) == 0);

  std::vector<uint16_t> many;
  for (uint16_t s = 0; s < 1000; s += 20) many.push_back(s);
  Buf big(1024);
  n = build_nack(big, 5, 6, many);
  REQUIRE(n == 12 + 4 * many.size());
  CHECK(lost_of(*parse_nack(only_packet(Bytes(big.data(), n)))) == many);
  CHECK(build_nack(std::span(big).first(20), 5, 6, many) == 0);
}

TEST_CASE("REMB: hand-written vector and builder round-trip") {
  Buf remb = {0x8F, 206, 0x00, 0x05, 0, 0, 0, 1, 0, 0, 0, 0, 'R', 'E', 'M', 'B',
              0x01, 0x0A, 0x3D, 0x3E, 0x12, 0x34, 0x56, 0x78};
  auto v = parse_remb(only_packet(remb));
  REQUIRE(v.ok());
  CHECK(v->sender_ssrc == 1);
  CHECK(v->bitrate_bps == 146750u * 4);  // exponent 2, mantissa 146750
  REQUIRE(v->ssrc_count() == 1);
  CHECK(v->ssrc(0) == 0x12345678);

  Buf wrong_id = remb;
  wrong_id[12] = 'X';
  CHECK(parse_remb(only_packet(wrong_id)).error() == ParseError::kBadContent);
  Buf too_many = remb;
  too_many[16] = 2;
  CHECK(parse_remb(only_packet(too_many)).error() == ParseError::kTooShort);

  uint32_t ssrcs[] = {10, 20};
  Buf out(64);
  for (uint64_t bps : {0ULL, 1ULL, 262143ULL, 262144ULL, 1500000ULL, 2500000000ULL}) {
    size_t n = build_remb(out, 3, bps, ssrcs);
    REQUIRE(n == 12 + 8 + 8);
    auto r = parse_remb(only_packet(Bytes(out.data(), n)));
    REQUIRE(r.ok());
    CHECK(r->bitrate_bps <= bps);
    CHECK(r->bitrate_bps * 1.0 >= bps * (1.0 - 1.0 / 131072));
    CHECK(r->ssrc_count() == 2);
    CHECK(r->ssrc(1) == 20);
  }
  Buf saturate = remb;
  saturate[17] = 0xFF;  // exponent 63
  CHECK(parse_remb(only_packet(saturate))->bitrate_bps == UINT64_MAX);
}

TEST_CASE("forwarding: rewrite media SSRCs of feedback inside a compound in place") {
  Buf compound(64);
  size_t n = build_pli(compound, 1, 0xAAAA);
  uint16_t lost[] = {5, 6};
  n += build_nack(std::span(compound).subspan(n), 1, 0xAAAA, lost);
  compound.resize(n);
  RtcpIterator it(compound);
  while (auto h = it.next()) {
    CHECK(set_feedback_media_ssrc(writable_part(compound, h->packet), 0xBBBB));
  }
  RtcpIterator again(compound);
  CHECK(parse_pli(*again.next())->media_ssrc == 0xBBBB);
  auto nack = parse_nack(*again.next());
  CHECK(nack->media_ssrc == 0xBBBB);
  CHECK(lost_of(*nack) == std::vector<uint16_t>{5, 6});
}
