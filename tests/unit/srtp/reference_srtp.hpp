// An independent, slow RFC 3711 reference (AES-CM key derivation, AES-CM encryption,
// HMAC-SHA1 tag) built on mbedTLS primitives, used only to check libsrtp's output.
#pragma once

#include <mbedtls/aes.h>
#include <mbedtls/md.h>

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace umbrella::srtp::test {

inline std::vector<uint8_t> from_hex(std::string_view hex) {
  std::vector<uint8_t> out;
  auto nib = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(uint8_t(nib(hex[i]) << 4 | nib(hex[i + 1])));
  return out;
}

// AES-128 in counter mode from a 16-byte IV whose low 16 bits are the block counter.
inline std::vector<uint8_t> aes_cm_keystream(const std::vector<uint8_t>& key, const uint8_t iv[16], size_t len) {
  mbedtls_aes_context aes;
  mbedtls_aes_init(&aes);
  mbedtls_aes_setkey_enc(&aes, key.data(), 128);
  std::vector<uint8_t> out;
  uint8_t block[16], ks[16];
  for (uint16_t counter = 0; out.size() < len; ++counter) {
    std::memcpy(block, iv, 16);
    block[14] = uint8_t(counter >> 8);
    block[15] = uint8_t(counter);
    mbedtls_aes_crypt_ecb(&aes, MBEDTLS_AES_ENCRYPT, block, ks);
    for (int i = 0; i < 16 && out.size() < len; ++i) out.push_back(ks[i]);
  }
  mbedtls_aes_free(&aes);
  return out;
}

// RFC 3711 4.3.1 with key_derivation_rate 0 and index 0: x = label << 48 XOR salt.
inline std::vector<uint8_t> derive(const std::vector<uint8_t>& master_key, const std::vector<uint8_t>& master_salt,
                                   uint8_t label, size_t len) {
  uint8_t iv[16] = {};
  std::memcpy(iv, master_salt.data(), 14);
  iv[7] ^= label;
  return aes_cm_keystream(master_key, iv, len);
}

inline std::vector<uint8_t> hmac_sha1(const std::vector<uint8_t>& key, const std::vector<uint8_t>& msg) {
  uint8_t out[20];
  mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA1), key.data(), key.size(), msg.data(), msg.size(), out);
  return {out, out + 20};
}

// SRTP-protects a plain RTP packet (12-byte header, no CSRC/extension) with ROC 0.
inline std::vector<uint8_t> protect_rtp(const std::vector<uint8_t>& master_key,
                                        const std::vector<uint8_t>& master_salt, const std::vector<uint8_t>& rtp,
                                        size_t tag_len) {
  auto ke = derive(master_key, master_salt, 0x00, 16);
  auto ka = derive(master_key, master_salt, 0x01, 20);
  auto ks = derive(master_key, master_salt, 0x02, 14);
  uint16_t seq = uint16_t(rtp[2] << 8 | rtp[3]);
  // IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16), i = ROC || SEQ.
  uint8_t iv[16] = {};
  std::memcpy(iv, ks.data(), 14);
  for (int i = 0; i < 4; ++i) iv[4 + i] ^= rtp[8 + i];
  iv[12] ^= uint8_t(seq >> 8);
  iv[13] ^= uint8_t(seq);
  auto stream = aes_cm_keystream(ke, iv, rtp.size() - 12);
  std::vector<uint8_t> out(rtp);
  for (size_t i = 12; i < out.size(); ++i) out[i] ^= stream[i - 12];
  std::vector<uint8_t> auth(out);
  auth.insert(auth.end(), {0, 0, 0, 0});  // ROC
  auto tag = hmac_sha1(ka, auth);
  out.insert(out.end(), tag.begin(), tag.begin() + long(tag_len));
  return out;
}

}  // namespace umbrella::srtp::test
