// Writes one STUN message into a caller's buffer. Attributes are appended in call order;
// MESSAGE-INTEGRITY and then FINGERPRINT must come last. Any overflow makes finish() return 0.
//
//   MessageBuilder b(out, method::kBinding, MessageClass::kSuccessResponse, request.transaction_id);
//   b.add_xor_mapped_address(from);
//   b.add_message_integrity(as_bytes(pwd));
//   b.add_fingerprint();
//   size_t n = b.finish();
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "core/bytes.hpp"
#include "core/socket_address.hpp"
#include "stun/constants.hpp"

namespace umbrella::stun {

class MessageBuilder {
 public:
  MessageBuilder(MutableBytes out, uint16_t method, MessageClass cls, const TransactionId& id);

  // Value of the padding bytes after an attribute that is not a multiple of 4 long.
  // Receivers ignore it; 0 by default (RFC 5769's vectors use 0x20).
  void set_padding_byte(uint8_t b) { padding_ = b; }

  void add_xor_mapped_address(const SocketAddress& address);
  void add_mapped_address(const SocketAddress& address);
  void add_username(std::string_view username) { add_bytes(attr::kUsername, as_bytes(username)); }
  void add_realm(std::string_view realm) { add_bytes(attr::kRealm, as_bytes(realm)); }
  void add_nonce(std::string_view nonce) { add_bytes(attr::kNonce, as_bytes(nonce)); }
  void add_software(std::string_view software) { add_bytes(attr::kSoftware, as_bytes(software)); }
  void add_priority(uint32_t priority);
  void add_use_candidate();
  void add_ice_controlling(uint64_t tie_breaker);
  void add_ice_controlled(uint64_t tie_breaker);
  void add_error_code(uint16_t code, std::string_view reason);
  void add_unknown_attributes(std::span<const uint16_t> types);
  // Any attribute, value written as is (and padded).
  void add_bytes(uint16_t type, Bytes value);

  // HMAC-SHA1 over everything written so far (key as in integrity.hpp).
  void add_message_integrity(Bytes key);
  void add_fingerprint();

  bool ok() const { return w_.ok(); }
  // Total message length, or 0 if the buffer was too small.
  size_t finish();

 private:
  bool begin(uint16_t type, size_t length);
  void pad(size_t length);
  void add_address(uint16_t type, const SocketAddress& address, bool xored);
  void set_length(size_t body_length);

  ByteWriter w_;
  uint8_t padding_ = 0;
};

// The reason phrase RFC 8489 suggests for an error code ("" if none).
std::string_view default_reason(uint16_t code);

}  // namespace umbrella::stun
