#include <doctest/doctest.h>

#include "rtp/rtp_builder.hpp"
#include "rtp/rtp_extensions.hpp"
#include "rtp/rtp_packet.hpp"
#include "rtp_test_util.hpp"

using namespace umbrella;
using namespace umbrella::rtp;
using namespace umbrella::rtp::test;

TEST_CASE("write_rtp_header without extensions round-trips") {
  Buf out(64);
  RtpHeader h{false, 111, 65535, 0xFFFFFFFF, 0x01020304};
  size_t n = write_rtp_header(out, h);
  REQUIRE(n == 12);
  auto v = parse_rtp(Bytes(out.data(), n));
  REQUIRE(v.ok());
  CHECK_FALSE(v->marker);
  CHECK(v->payload_type == 111);
  CHECK(v->sequence == 65535);
  CHECK(v->timestamp == 0xFFFFFFFF);
  CHECK(v->ssrc == 0x01020304);
  CHECK(v->extension_form == ExtensionForm::kNone);
  CHECK(write_rtp_header(std::span(out).first(11), h) == 0);
}

TEST_CASE("Opus packet with audio level in the one-byte form") {
  auto level = encode_audio_level({true, 30});
  ExtensionValue exts[] = {{1, level}, {4, as_bytes("audio0")}};
  Buf payload(60, 0x42);
  Buf out(200);
  size_t n = write_rtp_packet(out, {false, 111, 7, 960, 0xCAFE}, exts, payload);
  REQUIRE(n == 12 + 4 + 12 + 60);  // elements: 2 + 7 = 9 bytes -> 3 words
  auto v = parse_rtp(Bytes(out.data(), n));
  REQUIRE(v.ok());
  CHECK(v->extension_form == ExtensionForm::kOneByte);
  auto al = read_audio_level(*extension(*v, 1));
  REQUIRE(al);
  CHECK(al->voice);
  CHECK(al->level == 30);
  CHECK(read_sdes_string(*extension(*v, 4)) == "audio0");
  CHECK(v->payload.size() == 60);
}

TEST_CASE("the builder switches to the two-byte form when it must") {
  Buf big(20, 0x11);
  ExtensionValue exts[] = {{1, as_bytes("x")}, {3, big}};
  Buf out(200);
  size_t n = write_rtp_header(out, {}, exts);
  REQUIRE(n > 0);
  auto v = parse_rtp(Bytes(out.data(), n));
  REQUIRE(v.ok());
  CHECK(v->extension_form == ExtensionForm::kTwoByte);
  CHECK(extension(*v, 3)->size() == 20);

  ExtensionValue high_id[] = {{15, as_bytes("x")}};
  n = write_rtp_header(out, {}, high_id);
  REQUIRE(n > 0);
  CHECK(parse_rtp(Bytes(out.data(), n))->extension_form == ExtensionForm::kTwoByte);
  CHECK(extension(*parse_rtp(Bytes(out.data(), n)), 15));

  ExtensionValue empty_value[] = {{5, Bytes{}}};
  n = write_rtp_header(out, {}, empty_value);
  REQUIRE(n > 0);
  CHECK(extension(*parse_rtp(Bytes(out.data(), n)), 5)->empty());

  ExtensionValue zero_id[] = {{0, as_bytes("x")}};
  CHECK(write_rtp_header(out, {}, zero_id) == 0);
}

TEST_CASE("write_rtp_packet with padding round-trips") {
  Buf out(100);
  Buf payload = {1, 2, 3};
  size_t n = write_rtp_packet(out, {true, 96, 1, 2, 3}, {}, payload, 5);
  REQUIRE(n == 12 + 3 + 5);
  auto v = parse_rtp(Bytes(out.data(), n));
  REQUIRE(v.ok());
  CHECK(v->padding_size == 5);
  CHECK(v->payload.size() == 3);
  CHECK(write_rtp_packet(std::span(out).first(19), {}, {}, payload, 5) == 0);
}

TEST_CASE("extension value helpers") {
  CHECK(abs_send_time_from(seconds(1)) == (1u << 18));
  CHECK(abs_send_time_from(seconds(64)) == 0);  // wraps every 64 s
  CHECK(abs_send_time_from(milliseconds(500)) == (1u << 17));
  CHECK(abs_send_time_to_duration(1u << 18) == seconds(1));
  CHECK_FALSE(read_abs_send_time(Buf{1, 2}));
  CHECK_FALSE(read_transport_cc_seq(Buf{1}));
  CHECK(read_transport_cc_seq(Buf{0x12, 0x34}) == 0x1234);
  CHECK_FALSE(read_audio_level(Bytes{}));
  auto quiet = read_audio_level(Buf{0x7F});
  CHECK_FALSE(quiet->voice);
  CHECK(quiet->level == 127);
  CHECK(read_sdes_string(as_bytes(std::string_view("q\0\0", 3))) == "q");
  CHECK_FALSE(read_sdes_string(Buf{0, 0}));
  Buf one(1);
  CHECK(write_audio_level(one, {true, 5}));
  CHECK(one[0] == 0x85);
}
