// EpochKeys for all three AEADs: what one role seals the other opens; the key block's halves
// are oriented by role; anything altered fails. (AES-128-GCM against mbedTLS's own record
// layer: transport_test's released-session cases.)
#include <doctest/doctest.h>

#include "dtls/epoch_keys.hpp"

namespace umbrella::dtls {
namespace {

KeyBlock block_for(Aead aead) {
  KeyBlock b;
  b.key_length = aead == Aead::kAes128Gcm ? 16 : 32;
  b.iv_length = aead == Aead::kChaCha20Poly1305 ? 12 : 4;
  for (size_t i = 0; i < b.bytes.size(); ++i) b.bytes[i] = uint8_t(i * 7 + 3);
  return b;
}

}  // namespace

TEST_CASE("epoch keys: sealed by one role, opened by the other, for every AEAD") {
  for (Aead aead : {Aead::kAes128Gcm, Aead::kAes256Gcm, Aead::kChaCha20Poly1305}) {
    CAPTURE(int(aead));
    auto client = EpochKeys::create(aead, block_for(aead), Role::kClient);
    auto server = EpochKeys::create(aead, block_for(aead), Role::kServer);
    REQUIRE(client);
    REQUIRE(server);
    const uint8_t alert[2] = {1, 0};
    for (uint64_t seq : {uint64_t(0), uint64_t(5), uint64_t(0xFFFFFFFFFFFF)}) {
      auto record = client->seal(ContentType::kAlert, seq, alert);
      REQUIRE(!record.empty());
      ParsedRecord p = parse_record(record);
      REQUIRE(p.error == RecordError::kNone);
      CHECK(p.record.epoch == 1);
      CHECK(p.record.sequence == seq);
      CHECK(p.record.bytes.size() == record.size());
      std::vector<uint8_t> out(p.record.body.size());
      auto opened = server->open(p.record, out);
      REQUIRE(opened);
      CHECK(std::vector<uint8_t>(opened->begin(), opened->end()) == std::vector<uint8_t>{1, 0});
      CHECK_FALSE(client->open(p.record, out));  // its own direction's key is not the peer's
      for (size_t at : {size_t(3), size_t(10), record.size() - 1}) {
        auto altered = record;
        altered[at] ^= 0x10;
        ParsedRecord q = parse_record(altered);
        REQUIRE(q.error == RecordError::kNone);
        CHECK_FALSE(server->open(q.record, out));
      }
    }
  }
}

TEST_CASE("epoch keys: a key block of another suite's lengths is refused") {
  KeyBlock b = block_for(Aead::kAes128Gcm);
  CHECK_FALSE(EpochKeys::create(Aead::kChaCha20Poly1305, b, Role::kServer));
  CHECK_FALSE(EpochKeys::create(Aead::kAes256Gcm, b, Role::kServer));
  CHECK(EpochKeys::create(Aead::kAes128Gcm, b, Role::kServer));
}

}  // namespace umbrella::dtls
