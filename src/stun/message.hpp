// Parsed STUN message: a non-owning view over the datagram it was parsed from.
// parse() decodes the attributes ICE needs, checks every length and verifies
// FINGERPRINT; MESSAGE-INTEGRITY is located here and verified by integrity.hpp,
// because the key depends on USERNAME which the caller looks up first.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/socket_address.hpp"
#include "stun/constants.hpp"

namespace umbrella::stun {

enum class ParseError : uint8_t {
  kTooShort,            // shorter than the 20-byte header
  kNotStun,             // top bits or magic cookie wrong
  kBadLength,           // header length not a multiple of 4 or not the datagram size
  kAttributeOverrun,    // an attribute runs past the end of the message
  kBadAttribute,        // a known attribute with an invalid value or length
  kBadFingerprint,      // FINGERPRINT present but does not match
  kFingerprintNotLast,  // an attribute follows FINGERPRINT
};
const char* to_string(ParseError e);

struct ErrorCode {
  uint16_t code = 0;  // 300..699
  std::string_view reason;
};

struct Message {
  static constexpr size_t kMaxUnknown = 8;

  uint16_t method = 0;
  MessageClass cls = MessageClass::kRequest;
  TransactionId transaction_id{};

  std::optional<std::string_view> username;
  std::optional<std::string_view> realm;
  std::optional<std::string_view> nonce;
  std::optional<std::string_view> software;
  std::optional<uint32_t> priority;
  bool use_candidate = false;
  std::optional<uint64_t> ice_controlling;  // tie-breaker
  std::optional<uint64_t> ice_controlled;   // tie-breaker
  std::optional<SocketAddress> xor_mapped_address;
  std::optional<SocketAddress> mapped_address;
  std::optional<ErrorCode> error_code;
  // Offset of the MESSAGE-INTEGRITY attribute header in the raw message.
  std::optional<size_t> integrity_offset;
  bool has_fingerprint = false;  // present and verified (a bad one fails parse)

  // Comprehension-required attributes this parser does not know, for a 420 response.
  // At most kMaxUnknown are kept; unknown_overflow says more were seen.
  std::array<uint16_t, kMaxUnknown> unknown{};
  uint8_t unknown_count = 0;
  bool unknown_overflow = false;

  std::span<const uint16_t> unknown_attributes() const { return {unknown.data(), unknown_count}; }
  bool is_request() const { return cls == MessageClass::kRequest; }
  bool is_response() const {
    return cls == MessageClass::kSuccessResponse || cls == MessageClass::kErrorResponse;
  }
  bool is_binding_request() const { return is_request() && method == method::kBinding; }
};

// RFC 7983 demultiplexing plus the cheap STUN header checks: first byte 0..3,
// length a multiple of 4 that matches the datagram, magic cookie.
bool looks_like_stun(Bytes packet);

Result<Message, ParseError> parse(Bytes packet);

}  // namespace umbrella::stun
