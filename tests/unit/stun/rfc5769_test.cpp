#include <doctest/doctest.h>

#include "stun/builder.hpp"
#include "stun/hmac_sha1.hpp"
#include "stun/integrity.hpp"
#include "stun/message.hpp"
#include "stun/rfc5769_vectors.hpp"

using namespace umbrella;
using namespace umbrella::stun;
using namespace umbrella::stun::test;

namespace {

const TransactionId kVectorTid = {0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae};

std::vector<uint8_t> rebuild_response(const SocketAddress& mapped) {
  std::vector<uint8_t> out(256);
  MessageBuilder b(out, method::kBinding, MessageClass::kSuccessResponse, kVectorTid);
  b.set_padding_byte(0x20);
  b.add_software("test vector");
  b.add_xor_mapped_address(mapped);
  b.add_message_integrity(as_bytes(kShortTermPassword));
  b.add_fingerprint();
  out.resize(b.finish());
  return out;
}

}  // namespace

TEST_CASE("RFC 5769 2.1 sample request parses and verifies") {
  auto raw = from_hex(kSampleRequest);
  REQUIRE(raw.size() == 108);
  CHECK(looks_like_stun(raw));
  auto m = parse(raw);
  REQUIRE(m.ok());
  CHECK(m->method == method::kBinding);
  CHECK(m->cls == MessageClass::kRequest);
  CHECK(m->transaction_id == kVectorTid);
  CHECK(m->software == "STUN test client");
  CHECK(m->priority == 0x6e0001ffu);
  CHECK(m->ice_controlled == 0x932ff9b151263b36ull);
  CHECK(!m->ice_controlling);
  CHECK(m->username == "evtj:h6vY");
  CHECK(m->has_fingerprint);
  CHECK(m->unknown_count == 0);
  CHECK(verify_message_integrity(raw, *m, as_bytes(kShortTermPassword)));
  CHECK(!verify_message_integrity(raw, *m, as_bytes("VOkJxbRl1RmTxUk/WvJxBT")));
}

TEST_CASE("RFC 5769 2.1 sample request rebuilds byte for byte") {
  auto expected = from_hex(kSampleRequest);
  std::vector<uint8_t> out(256);
  MessageBuilder b(out, method::kBinding, MessageClass::kRequest, kVectorTid);
  b.set_padding_byte(0x20);
  b.add_software("STUN test client");
  b.add_priority(0x6e0001ff);
  b.add_ice_controlled(0x932ff9b151263b36ull);
  b.add_username("evtj:h6vY");
  b.add_message_integrity(as_bytes(kShortTermPassword));
  b.add_fingerprint();
  out.resize(b.finish());
  CHECK(out == expected);
}

TEST_CASE("RFC 5769 2.2 IPv4 response: parse, verify, rebuild") {
  auto raw = from_hex(kSampleIpv4Response);
  auto m = parse(raw);
  REQUIRE(m.ok());
  CHECK(m->cls == MessageClass::kSuccessResponse);
  CHECK(m->software == "test vector");
  auto expected_addr = *SocketAddress::parse("192.0.2.1:32853");
  REQUIRE(m->xor_mapped_address);
  CHECK(*m->xor_mapped_address == expected_addr);
  CHECK(m->has_fingerprint);
  CHECK(verify_message_integrity(raw, *m, as_bytes(kShortTermPassword)));
  CHECK(rebuild_response(expected_addr) == raw);
}

TEST_CASE("RFC 5769 2.3 IPv6 response: parse, verify, rebuild") {
  auto raw = from_hex(kSampleIpv6Response);
  auto m = parse(raw);
  REQUIRE(m.ok());
  auto expected_addr = *SocketAddress::parse("[2001:db8:1234:5678:11:2233:4455:6677]:32853");
  REQUIRE(m->xor_mapped_address);
  CHECK(*m->xor_mapped_address == expected_addr);
  CHECK(m->has_fingerprint);
  CHECK(verify_message_integrity(raw, *m, as_bytes(kShortTermPassword)));
  CHECK(rebuild_response(expected_addr) == raw);
}

TEST_CASE("RFC 5769 2.4 long-term authentication request") {
  auto raw = from_hex(kLongTermRequest);
  auto m = parse(raw);
  REQUIRE(m.ok());
  CHECK(m->username == kLongTermUsername);
  CHECK(m->nonce == kLongTermNonce);
  CHECK(m->realm == kLongTermRealm);
  CHECK(!m->has_fingerprint);
  auto key = long_term_key(kLongTermUsername, kLongTermRealm, kLongTermPassword);
  CHECK(verify_message_integrity(raw, *m, key));
  auto wrong = long_term_key(kLongTermUsername, kLongTermRealm, "TheMatrix");
  CHECK(!verify_message_integrity(raw, *m, wrong));

  // And it rebuilds exactly, with zero padding this time.
  TransactionId tid{};
  std::copy(raw.begin() + 8, raw.begin() + 20, tid.begin());
  std::vector<uint8_t> out(256);
  MessageBuilder b(out, method::kBinding, MessageClass::kRequest, tid);
  b.add_username(kLongTermUsername);
  b.add_nonce(kLongTermNonce);
  b.add_realm(kLongTermRealm);
  b.add_message_integrity(key);
  out.resize(b.finish());
  CHECK(out == raw);
}

TEST_CASE("HMAC-SHA1 RFC 2202 vectors") {
  // Test case 2 and test case 6 (key longer than the block size).
  auto d = hmac_sha1(as_bytes("Jefe"), {as_bytes("what do ya want "), as_bytes("for nothing?")});
  CHECK(Bytes(d).size() == 20);
  CHECK(std::vector<uint8_t>(d.begin(), d.end()) ==
        from_hex("effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"));
  std::vector<uint8_t> key(80, 0xaa);
  auto d6 = hmac_sha1(key, {as_bytes("Test Using Larger Than Block-Size Key - Hash Key First")});
  CHECK(std::vector<uint8_t>(d6.begin(), d6.end()) ==
        from_hex("aa4ae5e15272d00e95705637ce8a3b55ed402112"));
}
