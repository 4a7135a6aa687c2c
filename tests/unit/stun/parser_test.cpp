#include <doctest/doctest.h>

#include "stun/builder.hpp"
#include "stun/crc32.hpp"
#include "stun/integrity.hpp"
#include "stun/message.hpp"
#include "stun/rfc5769_vectors.hpp"

using namespace umbrella;
using namespace umbrella::stun;
using namespace umbrella::stun::test;

namespace {

// Rewrites the header length to match a resized buffer.
void fix_length(std::vector<uint8_t>& m) { store_be16(&m[2], uint16_t(m.size() - kHeaderSize)); }

std::vector<uint8_t> header_only(uint16_t type) {
  std::vector<uint8_t> m(20, 0);
  store_be16(&m[0], type);
  store_be32(&m[4], kMagicCookie);
  m[8] = 0x42;
  return m;
}

void append_attr(std::vector<uint8_t>& m, uint16_t type, std::vector<uint8_t> value) {
  m.push_back(uint8_t(type >> 8));
  m.push_back(uint8_t(type));
  m.push_back(uint8_t(value.size() >> 8));
  m.push_back(uint8_t(value.size()));
  size_t n = value.size();
  m.insert(m.end(), value.begin(), value.end());
  for (size_t i = n; i < padded(n); ++i) m.push_back(0);
  fix_length(m);
}

}  // namespace

TEST_CASE("crc32 check value") {
  CHECK(crc32(as_bytes("123456789")) == 0xCBF43926u);
  CHECK(crc32({}) == 0);
}

TEST_CASE("message type encoding") {
  CHECK(encode_message_type(method::kBinding, MessageClass::kRequest) == 0x0001);
  CHECK(encode_message_type(method::kBinding, MessageClass::kIndication) == 0x0011);
  CHECK(encode_message_type(method::kBinding, MessageClass::kSuccessResponse) == 0x0101);
  CHECK(encode_message_type(method::kBinding, MessageClass::kErrorResponse) == 0x0111);
  for (uint16_t method : {0x001, 0x003, 0x00A, 0xFFF, 0x080}) {
    for (auto cls : {MessageClass::kRequest, MessageClass::kIndication, MessageClass::kSuccessResponse,
                     MessageClass::kErrorResponse}) {
      uint16_t t = encode_message_type(method, cls);
      CHECK(method_of(t) == method);
      CHECK(class_of(t) == cls);
      CHECK((t & 0xC000) == 0);
    }
  }
}

TEST_CASE("looks_like_stun") {
  auto raw = from_hex(kSampleRequest);
  CHECK(looks_like_stun(raw));
  auto bad = raw;
  bad[0] = 0x80;  // RTP
  CHECK(!looks_like_stun(bad));
  bad = raw;
  bad[4] = 0;  // cookie
  CHECK(!looks_like_stun(bad));
  CHECK(!looks_like_stun(Bytes(raw).first(19)));
  CHECK(!looks_like_stun(Bytes(raw).first(raw.size() - 4)));  // length mismatch
  uint8_t dtls[25] = {22, 0xfe, 0xfd};
  CHECK(!looks_like_stun(dtls));
}

TEST_CASE("parse rejects malformed messages") {
  auto raw = from_hex(kSampleRequest);

  SUBCASE("every truncation fails") {
    for (size_t n = 0; n < raw.size(); ++n) CHECK(!parse(Bytes(raw).first(n)).ok());
  }
  SUBCASE("too short") { CHECK(parse(Bytes(raw).first(10)).error() == ParseError::kTooShort); }
  SUBCASE("bad cookie") {
    raw[5] ^= 1;
    CHECK(parse(raw).error() == ParseError::kNotStun);
  }
  SUBCASE("top bits set") {
    raw[0] |= 0x40;
    CHECK(parse(raw).error() == ParseError::kNotStun);
  }
  SUBCASE("first byte above 3 (RFC 7983: not STUN)") {
    raw[0] = 0x04;
    CHECK(parse(raw).error() == ParseError::kNotStun);
  }
  SUBCASE("length not a multiple of 4") {
    raw[3] = 0x57;
    CHECK(parse(raw).error() == ParseError::kBadLength);
  }
  SUBCASE("length larger than datagram") {
    raw[3] = 0x5c;
    CHECK(parse(raw).error() == ParseError::kBadLength);
  }
  SUBCASE("trailing bytes") {
    raw.push_back(0);
    CHECK(parse(raw).error() == ParseError::kBadLength);
  }
  SUBCASE("bad fingerprint") {
    raw.back() ^= 1;
    CHECK(parse(raw).error() == ParseError::kBadFingerprint);
  }
  SUBCASE("tampered body fails fingerprint") {
    raw[30] ^= 1;  // inside SOFTWARE
    CHECK(parse(raw).error() == ParseError::kBadFingerprint);
  }
  SUBCASE("attribute overrun") {
    raw[23] = 0x60;  // SOFTWARE length past the end
    CHECK(parse(raw).error() == ParseError::kAttributeOverrun);
  }
  SUBCASE("attribute after fingerprint") {
    append_attr(raw, attr::kSoftware, {'x'});
    // Recompute the fingerprint (at 100..107) for the new header length so only its position is wrong.
    store_be32(&raw[104], crc32(Bytes(raw).first(100)) ^ kFingerprintXor);
    CHECK(parse(raw).error() == ParseError::kFingerprintNotLast);
  }
}

TEST_CASE("parse validates known attribute lengths") {
  auto m = header_only(0x0001);
  SUBCASE("priority") { append_attr(m, attr::kPriority, {1, 2, 3}); }
  SUBCASE("ice-controlling") { append_attr(m, attr::kIceControlling, {1, 2, 3, 4}); }
  SUBCASE("use-candidate with value") { append_attr(m, attr::kUseCandidate, {1}); }
  SUBCASE("message-integrity") { append_attr(m, attr::kMessageIntegrity, std::vector<uint8_t>(16)); }
  SUBCASE("fingerprint") { append_attr(m, attr::kFingerprint, {1, 2}); }
  SUBCASE("xor-mapped-address family") { append_attr(m, attr::kXorMappedAddress, {0, 3, 0, 0, 1, 2, 3, 4}); }
  SUBCASE("xor-mapped-address v6 short") { append_attr(m, attr::kXorMappedAddress, {0, 2, 0, 0, 1, 2, 3, 4}); }
  SUBCASE("error code class") { append_attr(m, attr::kErrorCode, {0, 0, 7, 0}); }
  SUBCASE("error code short") { append_attr(m, attr::kErrorCode, {0, 0, 4}); }
  SUBCASE("username too long") { append_attr(m, attr::kUsername, std::vector<uint8_t>(600, 'a')); }
  CHECK(parse(m).error() == ParseError::kBadAttribute);
}

TEST_CASE("parse collects unknown comprehension-required attributes") {
  auto m = header_only(0x0001);
  append_attr(m, 0x0003, {1, 2, 3, 4});   // CHANGE-REQUEST (RFC 5780): required, unknown here
  append_attr(m, 0xC057, {0, 1, 0, 0});   // GOOG-NETWORK-INFO: optional, ignored
  append_attr(m, 0x7FFF, {});
  for (uint16_t t = 0x0100; t < 0x0110; ++t) append_attr(m, t, {});
  auto r = parse(m);
  REQUIRE(r.ok());
  REQUIRE(r->unknown_count == Message::kMaxUnknown);
  CHECK(r->unknown_attributes()[0] == 0x0003);
  CHECK(r->unknown_attributes()[1] == 0x7FFF);
  CHECK(r->unknown_overflow);
}

TEST_CASE("parse: first occurrence wins, attributes after MESSAGE-INTEGRITY are ignored") {
  auto m = header_only(0x0001);
  append_attr(m, attr::kUsername, {'a', ':', 'b'});
  append_attr(m, attr::kUsername, {'c', ':', 'd'});
  append_attr(m, attr::kMessageIntegrity, std::vector<uint8_t>(20));
  append_attr(m, attr::kUseCandidate, {});
  append_attr(m, 0x0003, {});
  auto r = parse(m);
  REQUIRE(r.ok());
  CHECK(r->username == "a:b");
  CHECK(!r->use_candidate);
  CHECK(r->unknown_count == 0);
  CHECK(r->integrity_offset == 36u);
}

TEST_CASE("error response round trip") {
  TransactionId tid{1, 2, 3};
  std::vector<uint8_t> out(128);
  MessageBuilder b(out, method::kBinding, MessageClass::kErrorResponse, tid);
  b.add_error_code(420, default_reason(420));
  const uint16_t unknown[] = {0x0003, 0x0004, 0x0005};
  b.add_unknown_attributes(unknown);
  b.add_message_integrity(as_bytes("pw"));
  b.add_fingerprint();
  size_t n = b.finish();
  REQUIRE(n > 0);
  auto r = parse(Bytes(out).first(n));
  REQUIRE(r.ok());
  CHECK(r->cls == MessageClass::kErrorResponse);
  REQUIRE(r->error_code);
  CHECK(r->error_code->code == 420);
  CHECK(r->error_code->reason == "Unknown Attribute");
  CHECK(r->has_fingerprint);
  CHECK(verify_message_integrity(Bytes(out).first(n), *r, as_bytes("pw")));
  CHECK(!verify_message_integrity(Bytes(out).first(n), *r, as_bytes("px")));
}

TEST_CASE("builder reports overflow as 0") {
  TransactionId tid{};
  auto addr = *SocketAddress::parse("[2001:db8::1]:9");
  for (size_t cap = 0; cap < 100; ++cap) {
    std::vector<uint8_t> out(cap);
    MessageBuilder b(out, method::kBinding, MessageClass::kSuccessResponse, tid);
    b.add_xor_mapped_address(addr);
    b.add_message_integrity(as_bytes("pw"));
    b.add_fingerprint();
    size_t n = b.finish();
    if (cap < 20 + 24 + 24 + 8) {
      CHECK(n == 0);
    } else {
      CHECK(n == 76);
      auto r = parse(Bytes(out).first(n));
      REQUIRE(r.ok());
      CHECK(r->xor_mapped_address == addr);
    }
  }
}

TEST_CASE("mapped address round trip") {
  TransactionId tid{9};
  std::vector<uint8_t> out(64);
  MessageBuilder b(out, method::kBinding, MessageClass::kSuccessResponse, tid);
  auto addr = *SocketAddress::parse("10.1.2.3:4000");
  b.add_mapped_address(addr);
  auto r = parse(Bytes(out).first(b.finish()));
  REQUIRE(r.ok());
  CHECK(r->mapped_address == addr);
  CHECK(!r->xor_mapped_address);
}
