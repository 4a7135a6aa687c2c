// What a DTLS session still needs once mbedTLS is gone (DtlsTransport::release_session()):
// the epoch-1 keys of an AEAD cipher suite, to open the peer's records (a close_notify) and
// to seal our own close_notify. AES-GCM and ChaCha20-Poly1305 only (RFC 5288, RFC 7905);
// a CBC suite keeps its mbedTLS session. Records are DTLS 1.2, epoch 1, no connection id.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/bytes.hpp"
#include "dtls/record.hpp"
#include "dtls/role.hpp"

namespace umbrella::dtls {

enum class Aead : uint8_t { kAes128Gcm, kAes256Gcm, kChaCha20Poly1305 };

// The key block as mbedTLS exports it (RFC 5246 6.3, no MAC keys for AEAD): client key,
// server key, client IV, server IV. key_length 16 or 32; iv_length 4 (GCM) or 12 (ChaCha).
struct KeyBlock {
  std::array<uint8_t, 2 * (32 + 12)> bytes{};
  uint8_t key_length = 0;
  uint8_t iv_length = 0;
};

class EpochKeys {
 public:
  // nullopt when the lengths do not belong to `aead`.
  static std::optional<EpochKeys> create(Aead aead, const KeyBlock& block, Role role);
  EpochKeys(const EpochKeys&) = default;
  EpochKeys& operator=(const EpochKeys&) = default;
  ~EpochKeys();

  // The plaintext of an epoch-1 record from the peer, written to `out` (at least
  // record.body.size() bytes); nullopt when it does not authenticate.
  std::optional<Bytes> open(const Record& record, MutableBytes out) const;
  // One epoch-1 record of ours with 48-bit `sequence`; empty if the cipher refuses.
  std::vector<uint8_t> seal(ContentType type, uint64_t sequence, Bytes plaintext) const;

 private:
  struct Direction {
    std::array<uint8_t, 32> key{};
    std::array<uint8_t, 12> iv{};
  };
  EpochKeys() = default;
  // nonce and additional data of a record (RFC 5288 3, RFC 7905 2; RFC 6347 4.1.2.1)
  std::array<uint8_t, 12> nonce(const Direction& d, uint64_t epoch_and_sequence, Bytes explicit_part) const;

  Aead aead_{};
  uint8_t key_length_ = 0;
  Direction read_;
  Direction write_;
};

}  // namespace umbrella::dtls
