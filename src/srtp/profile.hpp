// SRTP protection profiles negotiated by DTLS-SRTP (RFC 5764) and the keys it yields.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace umbrella::srtp {

// The profiles both mbedTLS 2.28's use_srtp and libsrtp support. Values are the
// IANA "DTLS-SRTP Protection Profile" code points.
enum class Profile : uint16_t {
  kAes128CmSha1_80 = 0x0001,  // SRTP_AES128_CM_HMAC_SHA1_80, what browsers offer first
  kAes128CmSha1_32 = 0x0002,  // SRTP_AES128_CM_HMAC_SHA1_32
};

inline constexpr size_t kMasterKeyLength = 16;
inline constexpr size_t kMasterSaltLength = 14;
// SRTCP always carries an 80-bit tag (RFC 5764 4.1.2) plus the 4-byte E+index word.
inline constexpr size_t kRtcpTrailerLength = 4 + 10;

// Bytes srtp protect_rtp appends: the authentication tag.
constexpr size_t rtp_tag_length(Profile p) { return p == Profile::kAes128CmSha1_32 ? 4 : 10; }
constexpr std::string_view profile_name(Profile p) {
  return p == Profile::kAes128CmSha1_32 ? "SRTP_AES128_CM_HMAC_SHA1_32" : "SRTP_AES128_CM_HMAC_SHA1_80";
}

using MasterKey = std::array<uint8_t, kMasterKeyLength>;
using MasterSalt = std::array<uint8_t, kMasterSaltLength>;

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
