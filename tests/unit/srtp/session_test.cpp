#include <doctest/doctest.h>

#include <cstring>
#include <vector>

#include "reference_srtp.hpp"
#include "srtp/session.hpp"

namespace umbrella::srtp {
namespace {

using test::from_hex;

const auto kMasterKey = from_hex("E1F97A0D3E018BE0D64FA32C06DE4139");
const auto kMasterSalt = from_hex("0EC675AD498AFEEBB6960B3AABE6");

std::vector<uint8_t> make_rtp(uint16_t seq, uint32_t ssrc, size_t payload, uint8_t fill = 0xAB) {
  std::vector<uint8_t> p(12 + payload, fill);
  p[0] = 0x80;
  p[1] = 96;
  store_be16(&p[2], seq);
  store_be32(&p[4], 1000u * seq);
  store_be32(&p[8], ssrc);
  return p;
}

// Minimal RTCP receiver report with no report blocks.
std::vector<uint8_t> make_rtcp_rr(uint32_t ssrc) {
  std::vector<uint8_t> p(8);
  p[0] = 0x80;
  p[1] = 201;
  store_be16(&p[2], 1);
  store_be32(&p[4], ssrc);
  return p;
}

SrtpSession make(Direction d, Profile p = Profile::kAes128CmSha1_80) {
  auto s = SrtpSession::create(p, kMasterKey, kMasterSalt, d);
  REQUIRE(s.ok());
  return std::move(s).value();
}

struct Buffer {
  explicit Buffer(const std::vector<uint8_t>& v) : len(v.size()) { std::memcpy(bytes, v.data(), v.size()); }
  std::vector<uint8_t> vec() const { return {bytes, bytes + len}; }
  uint8_t bytes[1500] = {};
  size_t len;
};

}  // namespace

TEST_CASE("srtp reference: RFC 3711 B.3 key derivation and B.2 AES-CM keystream") {
  CHECK(test::derive(kMasterKey, kMasterSalt, 0, 16) == from_hex("C61E7A93744F39EE10734AFE3FF7A087"));
  CHECK(test::derive(kMasterKey, kMasterSalt, 1, 20) == from_hex("CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4"));
  CHECK(test::derive(kMasterKey, kMasterSalt, 2, 14) == from_hex("30CBBC08863D8C85D49DB34A9AE1"));
  uint8_t iv[16] = {0xF0, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7, 0xF8, 0xF9, 0xFA, 0xFB, 0xFC, 0xFD, 0, 0};
  auto ks = test::aes_cm_keystream(from_hex("2B7E151628AED2A6ABF7158809CF4F3C"), iv, 32);
  CHECK(ks == from_hex("E03EAD0935C95E80E166B16DD92B4EB4D23513162B02D0F72A43A2FE4A5F97AB"));
}

TEST_CASE("srtp protect with the RFC 3711 B.3 master key matches the RFC reference") {
  for (Profile p : {Profile::kAes128CmSha1_80, Profile::kAes128CmSha1_32}) {
    auto out = make(Direction::kOutbound, p);
    for (uint16_t seq : {uint16_t(1), uint16_t(2), uint16_t(777)}) {
      auto rtp = make_rtp(seq, 0xCAFEBABE, 160);
      Buffer b(rtp);
      auto n = out.protect_rtp(b.bytes, b.len, sizeof b.bytes);
      REQUIRE(n.ok());
      CHECK(*n == rtp.size() + rtp_tag_length(p));
      b.len = *n;
      CHECK(b.vec() == test::protect_rtp(kMasterKey, kMasterSalt, rtp, rtp_tag_length(p)));
    }
  }
}

TEST_CASE("srtp round trip, tamper, replay, any SSRC") {
  auto out = make(Direction::kOutbound);
  auto in = make(Direction::kInbound);
  for (uint32_t ssrc : {1u, 2u, 0xFFFFFFFFu}) {
    auto rtp = make_rtp(100, ssrc, 1160);
    Buffer b(rtp);
    auto n = out.protect_rtp(b.bytes, b.len, sizeof b.bytes);
    REQUIRE(n.ok());
    CHECK(*n == rtp.size() + 10);
    CHECK(std::memcmp(b.bytes + 12, rtp.data() + 12, rtp.size() - 12) != 0);
    Buffer copy = b;
    copy.len = *n;

    auto m = in.unprotect_rtp(b.bytes, *n);
    REQUIRE(m.ok());
    b.len = *m;
    CHECK(b.vec() == rtp);

    SUBCASE("replayed packet") {
      auto r = in.unprotect_rtp(copy.bytes, copy.len);
      REQUIRE_FALSE(r.ok());
      CHECK(r.error() == Error::kReplayFail);
    }
  }
  SUBCASE("tampered packet") {
    auto rtp = make_rtp(200, 7, 100);
    Buffer b(rtp);
    auto n = out.protect_rtp(b.bytes, b.len, sizeof b.bytes);
    REQUIRE(n.ok());
    b.bytes[20] ^= 1;
    auto r = in.unprotect_rtp(b.bytes, *n);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error() == Error::kAuthFail);
  }
  SUBCASE("wrong key") {
    auto other_key = kMasterKey;
    other_key[0] ^= 0xFF;
    auto other = SrtpSession::create(Profile::kAes128CmSha1_80, other_key, kMasterSalt, Direction::kInbound);
    REQUIRE(other.ok());
    auto rtp = make_rtp(300, 7, 100);
    Buffer b(rtp);
    auto n = out.protect_rtp(b.bytes, b.len, sizeof b.bytes);
    REQUIRE(n.ok());
    auto r = other->unprotect_rtp(b.bytes, *n);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error() == Error::kAuthFail);
  }
}

TEST_CASE("srtp AEAD_AES_128_GCM: round trip, 16-byte tags, tamper and wrong key refused") {
  auto out = make(Direction::kOutbound, Profile::kAeadAes128Gcm);
  auto in = make(Direction::kInbound, Profile::kAeadAes128Gcm);
  auto rtp = make_rtp(1000, 0x5501A0B2, 160);
  Buffer b(rtp);
  auto n = out.protect_rtp(b.bytes, b.len, sizeof b.bytes);
  REQUIRE(n.ok());
  CHECK(*n == rtp.size() + 16);
  CHECK(std::memcmp(b.bytes + 12, rtp.data() + 12, rtp.size() - 12) != 0);  // encrypted
  Buffer copy = b, tampered = b;
  tampered.bytes[30] ^= 1;
  auto bad = in.unprotect_rtp(tampered.bytes, *n);  // before the genuine one: not a replay
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error() == Error::kAuthFail);
  auto m = in.unprotect_rtp(b.bytes, *n);
  REQUIRE(m.ok());
  b.len = *m;
  CHECK(b.vec() == rtp);
  // The same key read as AES-CM does not authenticate: the profile is part of the keys.
  auto cm = make(Direction::kInbound, Profile::kAes128CmSha1_80);
  CHECK_FALSE(cm.unprotect_rtp(copy.bytes, *n).ok());

  auto rtcp = make_rtcp_rr(0x11223344);
  Buffer r(rtcp);
  auto k = out.protect_rtcp(r.bytes, r.len, sizeof r.bytes);
  REQUIRE(k.ok());
  CHECK(*k == rtcp.size() + rtcp_trailer_length(Profile::kAeadAes128Gcm));
  CHECK(*k == rtcp.size() + 4 + 16);
  auto q = in.unprotect_rtcp(r.bytes, *k);
  REQUIRE(q.ok());
  r.len = *q;
  CHECK(r.vec() == rtcp);
  // Protect refuses a buffer without room for GCM's longer tag.
  Buffer small(rtp);
  auto tight = out.protect_rtp(small.bytes, small.len, small.len + 10);
  REQUIRE_FALSE(tight.ok());
  CHECK(tight.error() == Error::kBufferTooSmall);
}

TEST_CASE("srtp replay window keeps late packets within 1024 and refuses older ones") {
  auto out = make(Direction::kOutbound);
  auto in = make(Direction::kInbound);
  std::vector<Buffer> sent;
  for (uint16_t seq = 1; seq <= 1100; ++seq) {
    Buffer b(make_rtp(seq, 42, 20));
    auto n = out.protect_rtp(b.bytes, b.len, sizeof b.bytes);
    REQUIRE(n.ok());
    b.len = *n;
    sent.push_back(b);
  }
  // Deliver the newest first, then a late packet 1000 behind (inside the window)
  // and one 1099 behind (outside it).
  REQUIRE(in.unprotect_rtp(sent[1099].bytes, sent[1099].len).ok());
  CHECK(in.unprotect_rtp(sent[99].bytes, sent[99].len).ok());
  auto old = in.unprotect_rtp(sent[0].bytes, sent[0].len);
  REQUIRE_FALSE(old.ok());
  CHECK(old.error() == Error::kReplayOld);
}

TEST_CASE("srtcp round trip, tamper and replay") {
  auto out = make(Direction::kOutbound);
  auto in = make(Direction::kInbound);
  auto rtcp = make_rtcp_rr(0x11223344);
  Buffer b(rtcp);
  auto n = out.protect_rtcp(b.bytes, b.len, sizeof b.bytes);
  REQUIRE(n.ok());
  CHECK(*n == rtcp.size() + rtcp_trailer_length(Profile::kAes128CmSha1_80));
  Buffer copy = b;
  Buffer tampered = b;

  auto m = in.unprotect_rtcp(b.bytes, *n);
  REQUIRE(m.ok());
  b.len = *m;
  CHECK(b.vec() == rtcp);

  auto replay = in.unprotect_rtcp(copy.bytes, *n);
  REQUIRE_FALSE(replay.ok());
  CHECK(replay.error() == Error::kReplayFail);

  tampered.bytes[5] ^= 0x80;
  auto bad = in.unprotect_rtcp(tampered.bytes, *n);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error() == Error::kAuthFail);
}

TEST_CASE("srtp argument checks") {
  auto out = make(Direction::kOutbound);
  auto in = make(Direction::kInbound);
  auto rtp = make_rtp(1, 1, 50);
  Buffer b(rtp);
  auto small = out.protect_rtp(b.bytes, b.len, b.len + 9);
  REQUIRE_FALSE(small.ok());
  CHECK(small.error() == Error::kBufferTooSmall);
  auto small_rtcp = out.protect_rtcp(b.bytes, 8, 8 + 13);
  REQUIRE_FALSE(small_rtcp.ok());
  CHECK(small_rtcp.error() == Error::kBufferTooSmall);
  // Wrong direction.
  CHECK_FALSE(in.protect_rtp(b.bytes, b.len, sizeof b.bytes).ok());
  CHECK_FALSE(out.unprotect_rtp(b.bytes, b.len).ok());
  // Truncated input never reads past len.
  uint8_t tiny[4] = {0x80, 0, 0, 1};
  CHECK_FALSE(in.unprotect_rtp(tiny, sizeof tiny).ok());
  CHECK_FALSE(in.unprotect_rtcp(tiny, sizeof tiny).ok());
  CHECK_FALSE(in.unprotect_rtp(tiny, 0).ok());
  // Bad key sizes and window.
  CHECK_FALSE(SrtpSession::create(Profile::kAes128CmSha1_80, Bytes(kMasterKey).first(15), kMasterSalt,
                                  Direction::kInbound).ok());
  CHECK_FALSE(SrtpSession::create(Profile::kAes128CmSha1_80, kMasterKey, kMasterSalt, Direction::kInbound, 16).ok());
  // Move leaves the source empty and harmless.
  SrtpSession moved = std::move(out);
  CHECK(moved.protect_rtp(b.bytes, b.len, sizeof b.bytes).ok());
  CHECK_FALSE(out.protect_rtp(b.bytes, b.len, sizeof b.bytes).ok());  // NOLINT(bugprone-use-after-move)
}

}  // namespace umbrella::srtp
