// SRTP protection profiles negotiated by DTLS-SRTP (RFC 5764) and the keys it yields.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace umbrella::srtp {

// The profiles our use_srtp (mbedTLS 2.28 with tools/mbedtls-srtp-gcm.patch) and libsrtp over
// OpenSSL support. Values are the IANA "DTLS-SRTP Protection Profile" code points.
enum class Profile : uint16_t {
  kAes128CmSha1_80 = 0x0001,  // SRTP_AES128_CM_HMAC_SHA1_80, what every stack offers
  kAes128CmSha1_32 = 0x0002,  // SRTP_AES128_CM_HMAC_SHA1_32
  kAeadAes128Gcm = 0x0007,    // RFC 7714 AEAD_AES_128_GCM: one pass instead of AES-CTR + HMAC-SHA1
};

inline constexpr size_t kMasterKeyLength = 16;
// AES-CM's salt; AEAD_AES_128_GCM's is the first 12 bytes (RFC 7714 12).
inline constexpr size_t kMasterSaltLength = 14;
constexpr size_t salt_length(Profile p) { return p == Profile::kAeadAes128Gcm ? 12 : kMasterSaltLength; }

// Bytes srtp protect_rtp appends: the authentication tag.
constexpr size_t rtp_tag_length(Profile p) {
  return p == Profile::kAeadAes128Gcm ? 16 : p == Profile::kAes128CmSha1_32 ? 4 : 10;
}
// SRTCP appends the 4-byte E+index word and a tag: 80 bits for both AES-CM profiles (RFC 5764
// 4.1.2), GCM's 16 bytes.
constexpr size_t rtcp_trailer_length(Profile p) { return 4 + (p == Profile::kAeadAes128Gcm ? 16 : 10); }

constexpr std::string_view profile_name(Profile p) {
  return p == Profile::kAeadAes128Gcm     ? "SRTP_AEAD_AES_128_GCM"
         : p == Profile::kAes128CmSha1_32 ? "SRTP_AES128_CM_HMAC_SHA1_32"
                                          : "SRTP_AES128_CM_HMAC_SHA1_80";
}

using MasterKey = std::array<uint8_t, kMasterKeyLength>;
using MasterSalt = std::array<uint8_t, kMasterSaltLength>;  // salt_length(profile) bytes used

// Result of a DTLS-SRTP handshake, already oriented: "local" protects what we send,
// "remote" unprotects what the peer sends.
struct SrtpKeys {
  Profile profile = Profile::kAes128CmSha1_80;
  MasterKey local_key{};
  MasterSalt local_salt{};
  MasterKey remote_key{};
  MasterSalt remote_salt{};
};

}  // namespace umbrella::srtp
