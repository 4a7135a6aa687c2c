// STUN (RFC 8489) wire constants: header layout, message types, attribute types, error codes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace umbrella::stun {

inline constexpr uint32_t kMagicCookie = 0x2112A442;
inline constexpr size_t kHeaderSize = 20;
inline constexpr size_t kAttributeHeaderSize = 4;
inline constexpr size_t kIntegritySize = 20;  // HMAC-SHA1
inline constexpr uint32_t kFingerprintXor = 0x5354554e;

using TransactionId = std::array<uint8_t, 12>;

enum class MessageClass : uint8_t {
  kRequest = 0,
  kIndication = 1,
  kSuccessResponse = 2,
  kErrorResponse = 3,
};

namespace method {
inline constexpr uint16_t kBinding = 0x001;
}  // namespace method

// Attribute types. 0x0000-0x7FFF are comprehension-required, 0x8000-0xFFFF optional.
namespace attr {
inline constexpr uint16_t kMappedAddress = 0x0001;
inline constexpr uint16_t kUsername = 0x0006;
inline constexpr uint16_t kMessageIntegrity = 0x0008;
inline constexpr uint16_t kErrorCode = 0x0009;
inline constexpr uint16_t kUnknownAttributes = 0x000A;
inline constexpr uint16_t kRealm = 0x0014;
inline constexpr uint16_t kNonce = 0x0015;
inline constexpr uint16_t kMessageIntegritySha256 = 0x001C;
inline constexpr uint16_t kPasswordAlgorithm = 0x001D;
inline constexpr uint16_t kUserhash = 0x001E;
inline constexpr uint16_t kXorMappedAddress = 0x0020;
inline constexpr uint16_t kPriority = 0x0024;
inline constexpr uint16_t kUseCandidate = 0x0025;
inline constexpr uint16_t kSoftware = 0x8022;
inline constexpr uint16_t kAlternateServer = 0x8023;
inline constexpr uint16_t kFingerprint = 0x8028;
inline constexpr uint16_t kIceControlled = 0x8029;
inline constexpr uint16_t kIceControlling = 0x802A;

inline constexpr bool is_comprehension_required(uint16_t type) { return type < 0x8000; }
}  // namespace attr

namespace error {
inline constexpr uint16_t kTryAlternate = 300;
inline constexpr uint16_t kBadRequest = 400;
inline constexpr uint16_t kUnauthorized = 401;
inline constexpr uint16_t kUnknownAttribute = 420;
inline constexpr uint16_t kStaleNonce = 438;
inline constexpr uint16_t kRoleConflict = 487;
inline constexpr uint16_t kServerError = 500;
}  // namespace error

// The 14-bit message type interleaves the class bits C1 (bit 8) and C0 (bit 4) into the method.
inline constexpr uint16_t encode_message_type(uint16_t method, MessageClass cls) {
  auto c = static_cast<uint16_t>(cls);
  return uint16_t((method & 0x000F) | ((method & 0x0070) << 1) | ((method & 0x0F80) << 2) |
                  ((c & 1) << 4) | ((c & 2) << 7));
}
inline constexpr uint16_t method_of(uint16_t type) {
  return uint16_t((type & 0x000F) | ((type & 0x00E0) >> 1) | ((type & 0x3E00) >> 2));
}
inline constexpr MessageClass class_of(uint16_t type) {
  return static_cast<MessageClass>(((type >> 4) & 1) | ((type >> 7) & 2));
}

inline constexpr size_t padded(size_t n) { return (n + 3) & ~size_t(3); }

}  // namespace umbrella::stun
