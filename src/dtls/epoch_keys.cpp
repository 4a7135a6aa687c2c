#include "dtls/epoch_keys.hpp"

#include <mbedtls/cipher.h>
#include <mbedtls/platform_util.h>

#include <cstring>

namespace umbrella::dtls {
namespace {

constexpr size_t kTagLength = 16;
constexpr size_t kGcmExplicitNonce = 8;  // RFC 5288 3: the record carries it; we send epoch+sequence
constexpr uint16_t kDtls12 = 0xFEFD;

mbedtls_cipher_type_t cipher_type(Aead aead) {
  switch (aead) {
    case Aead::kAes128Gcm: return MBEDTLS_CIPHER_AES_128_GCM;
    case Aead::kAes256Gcm: return MBEDTLS_CIPHER_AES_256_GCM;
    case Aead::kChaCha20Poly1305: return MBEDTLS_CIPHER_CHACHA20_POLY1305;
  }
  return MBEDTLS_CIPHER_NONE;
}

// RFC 5246 6.2.3.3 with RFC 6347 4.1.2.1: seq_num is epoch and sequence; length is the plaintext's.
std::array<uint8_t, 13> additional_data(uint64_t epoch_and_sequence, ContentType type, uint16_t version,
                                        size_t plaintext_length) {
  std::array<uint8_t, 13> ad{};
  store_be64(ad.data(), epoch_and_sequence);
  ad[8] = uint8_t(type);
  store_be16(ad.data() + 9, version);
  store_be16(ad.data() + 11, uint16_t(plaintext_length));
  return ad;
}

// One AEAD operation with a context that lives for this call only: a released session keeps
// its keys (under 100 bytes), not a cipher context (GCM's tables are ~700).
bool run_aead(Aead aead, const uint8_t* key, uint8_t key_length, bool encrypt, const std::array<uint8_t, 12>& nonce,
              Bytes ad, Bytes input, uint8_t* output, size_t output_size, size_t& written) {
  const mbedtls_cipher_info_t* info = mbedtls_cipher_info_from_type(cipher_type(aead));
  if (info == nullptr) return false;
  mbedtls_cipher_context_t ctx;
  mbedtls_cipher_init(&ctx);
  int ret = mbedtls_cipher_setup(&ctx, info);
  if (ret == 0) ret = mbedtls_cipher_setkey(&ctx, key, int(key_length) * 8, encrypt ? MBEDTLS_ENCRYPT : MBEDTLS_DECRYPT);
  if (ret == 0) {
    ret = encrypt ? mbedtls_cipher_auth_encrypt_ext(&ctx, nonce.data(), nonce.size(), ad.data(), ad.size(),
                                                    input.data(), input.size(), output, output_size, &written,
                                                    kTagLength)
                  : mbedtls_cipher_auth_decrypt_ext(&ctx, nonce.data(), nonce.size(), ad.data(), ad.size(),
                                                    input.data(), input.size(), output, output_size, &written,
                                                    kTagLength);
  }
  mbedtls_cipher_free(&ctx);
  return ret == 0;
}

}  // namespace

std::optional<EpochKeys> EpochKeys::create(Aead aead, const KeyBlock& block, Role role) {
  uint8_t key_length = aead == Aead::kAes128Gcm ? 16 : 32;
  uint8_t iv_length = aead == Aead::kChaCha20Poly1305 ? 12 : 4;
  if (block.key_length != key_length || block.iv_length != iv_length) return std::nullopt;
  EpochKeys k;
  k.aead_ = aead;
  k.key_length_ = key_length;
  const uint8_t* p = block.bytes.data();
  Direction client, server;
  std::memcpy(client.key.data(), p, key_length);
  std::memcpy(server.key.data(), p + key_length, key_length);
  std::memcpy(client.iv.data(), p + 2 * key_length, iv_length);
  std::memcpy(server.iv.data(), p + 2 * key_length + iv_length, iv_length);
  k.write_ = role == Role::kClient ? client : server;
  k.read_ = role == Role::kClient ? server : client;
  mbedtls_platform_zeroize(&client, sizeof client);
  mbedtls_platform_zeroize(&server, sizeof server);
  return k;
}

EpochKeys::~EpochKeys() {
  mbedtls_platform_zeroize(&read_, sizeof read_);
  mbedtls_platform_zeroize(&write_, sizeof write_);
}

std::array<uint8_t, 12> EpochKeys::nonce(const Direction& d, uint64_t epoch_and_sequence, Bytes explicit_part) const {
  std::array<uint8_t, 12> n{};
  if (aead_ == Aead::kChaCha20Poly1305) {
    // RFC 7905 2: the 12-byte IV XOR the left-padded 64-bit sequence number.
    n = d.iv;
    uint8_t seq[8];
    store_be64(seq, epoch_and_sequence);
    for (size_t i = 0; i < 8; ++i) n[4 + i] ^= seq[i];
  } else {
    std::memcpy(n.data(), d.iv.data(), 4);
    std::memcpy(n.data() + 4, explicit_part.data(), kGcmExplicitNonce);
  }
  return n;
}

std::optional<Bytes> EpochKeys::open(const Record& record, MutableBytes out) const {
  size_t explicit_length = aead_ == Aead::kChaCha20Poly1305 ? 0 : kGcmExplicitNonce;
  if (record.body.size() < explicit_length + kTagLength || out.size() < record.body.size()) return std::nullopt;
  uint64_t seq = uint64_t(record.epoch) << 48 | (record.sequence & 0xFFFFFFFFFFFFull);
  Bytes ciphertext = record.body.subspan(explicit_length);
  auto n = nonce(read_, seq, record.body.first(explicit_length));
  auto ad = additional_data(seq, record.type, record.version, ciphertext.size() - kTagLength);
  size_t written = 0;
  if (!run_aead(aead_, read_.key.data(), key_length_, false, n, ad, ciphertext, out.data(), out.size(), written))
    return std::nullopt;
  return Bytes(out.data(), written);
}

std::vector<uint8_t> EpochKeys::seal(ContentType type, uint64_t sequence, Bytes plaintext) const {
  size_t explicit_length = aead_ == Aead::kChaCha20Poly1305 ? 0 : kGcmExplicitNonce;
  uint64_t seq = uint64_t(1) << 48 | (sequence & 0xFFFFFFFFFFFFull);
  size_t body_length = explicit_length + plaintext.size() + kTagLength;
  std::vector<uint8_t> out(kRecordHeaderSize + body_length);
  out[0] = uint8_t(type);
  store_be16(&out[1], kDtls12);
  store_be64(&out[3], seq);  // epoch (2) and sequence (6)
  store_be16(&out[11], uint16_t(body_length));
  uint8_t* body = out.data() + kRecordHeaderSize;
  if (explicit_length) store_be64(body, seq);
  auto n = nonce(write_, seq, Bytes(body, explicit_length));
  auto ad = additional_data(seq, type, kDtls12, plaintext.size());
  size_t written = 0;
  if (!run_aead(aead_, write_.key.data(), key_length_, true, n, ad, plaintext, body + explicit_length,
                plaintext.size() + kTagLength, written) ||
      written != plaintext.size() + kTagLength)
    return {};
  return out;
}

}  // namespace umbrella::dtls
