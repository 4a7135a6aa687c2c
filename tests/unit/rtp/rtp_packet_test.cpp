#include <doctest/doctest.h>

#include "rtp/rtp_packet.hpp"
#include "rtp_test_util.hpp"

using namespace umbrella;
using namespace umbrella::rtp;
using namespace umbrella::rtp::test;

namespace {

// RFC 8285 section 4.2 figure: IDs 1 (1 byte), 2 (2 bytes), two padding bytes, 3 (4 bytes).
Buf rfc8285_one_byte_block() {
  return {0xBE, 0xDE, 0x00, 0x03,
          0x10, 0xAA, 0x21, 0xBB, 0xBB, 0x00, 0x00, 0x33, 0xCC, 0xCC, 0xCC, 0xCC};
}

// RFC 8285 section 4.3 figure: IDs 1 (0 bytes), 2 (1 byte), one padding byte, 3 (4 bytes).
Buf rfc8285_two_byte_block() {
  return {0x10, 0x00, 0x00, 0x03,
          0x01, 0x00, 0x02, 0x01, 0xBB, 0x00, 0x03, 0x04, 0xCC, 0xCC, 0xCC, 0xCC};
}

}  // namespace

TEST_CASE("RFC 7983 / RFC 5761 demultiplexing") {
  Buf rtp = fixed_header();
  Buf rtcp = {0x80, 200, 0, 6};
  CHECK(looks_like_rtp_or_rtcp(rtp));
  CHECK(looks_like_rtp_or_rtcp(rtcp));
  CHECK_FALSE(is_rtcp(rtp));
  CHECK(is_rtcp(rtcp));
  Buf rtcp_edge_low = {0x80, 192};
  Buf rtcp_edge_high = {0x80, 223};
  Buf rtp_marker_pt96 = {0x80, 0xE0};  // M=1, PT=96 -> 224: RTP
  CHECK(is_rtcp(rtcp_edge_low));
  CHECK(is_rtcp(rtcp_edge_high));
  CHECK_FALSE(is_rtcp(rtp_marker_pt96));
  Buf stun = {0x00, 0x01, 0x00, 0x00};
  Buf dtls = {22, 0xFE, 0xFD};
  Buf over = {192, 200};
  CHECK_FALSE(looks_like_rtp_or_rtcp(stun));
  CHECK_FALSE(looks_like_rtp_or_rtcp(dtls));
  CHECK_FALSE(looks_like_rtp_or_rtcp(over));
  CHECK_FALSE(looks_like_rtp_or_rtcp(Bytes{}));
}

TEST_CASE("parse_rtp: fixed header fields and payload") {
  Buf p = cat({fixed_header(0x80, 0x80 | 111), {1, 2, 3}});
  auto v = parse_rtp(p);
  REQUIRE(v.ok());
  CHECK(v->marker);
  CHECK(v->payload_type == 111);
  CHECK(v->sequence == 0x1234);
  CHECK(v->timestamp == 0x11223344);
  CHECK(v->ssrc == 0xAABBCCDD);
  CHECK(v->csrc_count == 0);
  CHECK(v->extension_form == ExtensionForm::kNone);
  CHECK(v->header_size == 12);
  CHECK(v->payload.size() == 3);
  CHECK(v->payload[0] == 1);
  CHECK_FALSE(extension(*v, 1).has_value());
}

TEST_CASE("parse_rtp: CSRC list") {
  Buf p = cat({fixed_header(0x82), {0, 0, 0, 1, 0, 0, 0, 2}, {9}});
  auto v = parse_rtp(p);
  REQUIRE(v.ok());
  CHECK(v->csrc_count == 2);
  CHECK(v->csrc(0) == 1);
  CHECK(v->csrc(1) == 2);
  CHECK(v->header_size == 20);
  CHECK(v->payload.size() == 1);
  Buf truncated = cat({fixed_header(0x82), {0, 0, 0, 1, 0, 0}});
  CHECK(parse_rtp(truncated).error() == ParseError::kTooShort);
}

TEST_CASE("parse_rtp: padding is validated and excluded from the payload") {
  Buf p = cat({fixed_header(0xA0), {7, 7, 0, 0, 3}});
  auto v = parse_rtp(p);
  REQUIRE(v.ok());
  CHECK(v->padding_size == 3);
  CHECK(v->payload.size() == 2);

  Buf only_padding = cat({fixed_header(0xA0), {0, 0, 0, 4}});
  REQUIRE(parse_rtp(only_padding).ok());
  CHECK(parse_rtp(only_padding)->payload.empty());

  Buf zero_count = cat({fixed_header(0xA0), {1, 0}});
  CHECK(parse_rtp(zero_count).error() == ParseError::kBadPadding);
  Buf too_big = cat({fixed_header(0xA0), {1, 5}});
  CHECK(parse_rtp(too_big).error() == ParseError::kBadPadding);
  Buf header_only = fixed_header(0xA0);  // count byte would be inside the header
  CHECK(parse_rtp(header_only).error() == ParseError::kBadPadding);
}

TEST_CASE("parse_rtp: malformed headers are refused") {
  CHECK(parse_rtp(Buf{0x80, 96, 0, 1}).error() == ParseError::kTooShort);
  CHECK(parse_rtp(fixed_header(0x40)).error() == ParseError::kBadVersion);
  // X bit with no room for the block header.
  CHECK(parse_rtp(cat({fixed_header(0x90), {0xBE, 0xDE}})).error() == ParseError::kBadExtension);
  // Block length overruns the packet.
  CHECK(parse_rtp(cat({fixed_header(0x90), {0xBE, 0xDE, 0, 2, 0x10, 1, 0, 0}})).error() ==
        ParseError::kBadExtension);
  // One-byte element overruns its block: ID 1, L=3 (4 bytes) but only 3 left.
  CHECK(parse_rtp(cat({fixed_header(0x90), {0xBE, 0xDE, 0, 1, 0x13, 1, 2, 3}})).error() ==
        ParseError::kBadExtension);
  // Two-byte element with its length byte missing.
  CHECK(parse_rtp(cat({fixed_header(0x90), {0x10, 0x00, 0, 1, 0, 0, 0, 5}})).error() ==
        ParseError::kBadExtension);
}

TEST_CASE("RFC 8285 one-byte header example") {
  Buf p = cat({fixed_header(0x90), rfc8285_one_byte_block(), {0xF0, 0x0D}});
  auto v = parse_rtp(p);
  REQUIRE(v.ok());
  CHECK(v->extension_form == ExtensionForm::kOneByte);
  CHECK(v->extension_profile == 0xBEDE);
  CHECK(v->extension_size == 12);
  CHECK(v->header_size == 28);
  CHECK(v->payload.size() == 2);
  auto e1 = extension(*v, 1);
  auto e2 = extension(*v, 2);
  auto e3 = extension(*v, 3);
  REQUIRE(e1);
  REQUIRE(e2);
  REQUIRE(e3);
  CHECK(e1->size() == 1);
  CHECK((*e1)[0] == 0xAA);
  CHECK(e2->size() == 2);
  CHECK(e3->size() == 4);
  CHECK((*e3)[3] == 0xCC);
  CHECK_FALSE(extension(*v, 4));
  int n = 0;
  CHECK(for_each_extension(*v, [&](const ExtensionElement&) { return ++n, true; }));
  CHECK(n == 3);
}

TEST_CASE("RFC 8285 two-byte header example") {
  for (uint16_t appbits : {0, 5, 15}) {
    Buf block = rfc8285_two_byte_block();
    block[1] = uint8_t(appbits);
    Buf p = cat({fixed_header(0x90), block});
    auto v = parse_rtp(p);
    REQUIRE(v.ok());
    CHECK(v->extension_form == ExtensionForm::kTwoByte);
    auto e1 = extension(*v, 1);
    auto e2 = extension(*v, 2);
    auto e3 = extension(*v, 3);
    REQUIRE(e1);
    REQUIRE(e2);
    REQUIRE(e3);
    CHECK(e1->empty());
    CHECK(e2->size() == 1);
    CHECK((*e2)[0] == 0xBB);
    CHECK(e3->size() == 4);
  }
}

TEST_CASE("one-byte form: ID 15 stops processing, other profiles are opaque") {
  Buf p = cat({fixed_header(0x90), {0xBE, 0xDE, 0, 2, 0x10, 0x01, 0xF3, 0x20, 0x99, 0, 0, 0}});
  auto v = parse_rtp(p);
  REQUIRE(v.ok());
  CHECK(extension(*v, 1));
  CHECK_FALSE(extension(*v, 2));  // after the ID 15 terminator

  Buf other = cat({fixed_header(0x90), {0x12, 0x34, 0, 1, 0xFF, 0xFF, 0xFF, 0xFF}});
  auto o = parse_rtp(other);
  REQUIRE(o.ok());
  CHECK(o->extension_form == ExtensionForm::kOther);
  CHECK(o->extension_profile == 0x1234);
  CHECK_FALSE(extension(*o, 15));
}
