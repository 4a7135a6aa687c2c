#include "stun/builder.hpp"

#include "stun/crc32.hpp"
#include "stun/hmac_sha1.hpp"

namespace umbrella::stun {

MessageBuilder::MessageBuilder(MutableBytes out, uint16_t method, MessageClass cls,
                               const TransactionId& id)
    : w_(out) {
  w_.u16(encode_message_type(method, cls));
  w_.u16(0);  // length, set by finish() and before each hash
  w_.u32(kMagicCookie);
  w_.bytes(id);
}

bool MessageBuilder::begin(uint16_t type, size_t length) {
  if (length > 0xFFFF || !w_.need(kAttributeHeaderSize + padded(length))) {
    w_.need(SIZE_MAX);  // mark failed
    return false;
  }
  w_.u16(type);
  w_.u16(uint16_t(length));
  return true;
}

void MessageBuilder::pad(size_t length) {
  for (size_t i = length; i < padded(length); ++i) w_.u8(padding_);
}

void MessageBuilder::set_length(size_t body_length) {
  if (w_.ok()) store_be16(w_.at(2), uint16_t(body_length));
}

void MessageBuilder::add_bytes(uint16_t type, Bytes value) {
  if (!begin(type, value.size())) return;
  w_.bytes(value);
  pad(value.size());
}

void MessageBuilder::add_address(uint16_t type, const SocketAddress& address, bool xored) {
  size_t ip_size = address.ip_size();
  if (ip_size == 0) {
    w_.need(SIZE_MAX);
    return;
  }
  if (!begin(type, 4 + ip_size)) return;
  // XOR key: magic cookie then transaction id, exactly header bytes 4..19.
  const uint8_t* key = w_.at(4);
  w_.u8(0);
  w_.u8(address.is_ipv4() ? 0x01 : 0x02);
  w_.u16(xored ? uint16_t(address.port() ^ (kMagicCookie >> 16)) : address.port());
  for (size_t i = 0; i < ip_size; ++i) w_.u8(uint8_t(address.ip_bytes()[i] ^ (xored ? key[i] : 0)));
}

void MessageBuilder::add_xor_mapped_address(const SocketAddress& a) { add_address(attr::kXorMappedAddress, a, true); }
void MessageBuilder::add_mapped_address(const SocketAddress& a) { add_address(attr::kMappedAddress, a, false); }

void MessageBuilder::add_priority(uint32_t priority) {
  if (begin(attr::kPriority, 4)) w_.u32(priority);
}

void MessageBuilder::add_use_candidate() { begin(attr::kUseCandidate, 0); }

void MessageBuilder::add_ice_controlling(uint64_t tie_breaker) {
  if (begin(attr::kIceControlling, 8)) w_.u64(tie_breaker);
}

void MessageBuilder::add_ice_controlled(uint64_t tie_breaker) {
  if (begin(attr::kIceControlled, 8)) w_.u64(tie_breaker);
}

void MessageBuilder::add_error_code(uint16_t code, std::string_view reason) {
  if (code < 300 || code > 699) {
    w_.need(SIZE_MAX);
    return;
  }
  size_t length = 4 + reason.size();
  if (!begin(attr::kErrorCode, length)) return;
  w_.u16(0);
  w_.u8(uint8_t(code / 100));
  w_.u8(uint8_t(code % 100));
  w_.bytes(as_bytes(reason));
  pad(length);
}

void MessageBuilder::add_unknown_attributes(std::span<const uint16_t> types) {
  size_t length = types.size() * 2;
  if (!begin(attr::kUnknownAttributes, length)) return;
  for (uint16_t t : types) w_.u16(t);
  // RFC 8489 14.9: the padding may repeat an attribute type; plain padding is valid too.
  pad(length);
}

void MessageBuilder::add_message_integrity(Bytes key) {
  if (!w_.ok()) return;
  size_t start = w_.size();
  set_length(start + kAttributeHeaderSize + kIntegritySize - kHeaderSize);
  if (!begin(attr::kMessageIntegrity, kIntegritySize)) return;
  auto digest = hmac_sha1(key, {w_.written().first(start)});
  w_.bytes(digest);
}

void MessageBuilder::add_fingerprint() {
  if (!w_.ok()) return;
  size_t start = w_.size();
  set_length(start + kAttributeHeaderSize + 4 - kHeaderSize);
  if (!begin(attr::kFingerprint, 4)) return;
  w_.u32(crc32(w_.written().first(start)) ^ kFingerprintXor);
}

size_t MessageBuilder::finish() {
  if (!w_.ok()) return 0;
  set_length(w_.size() - kHeaderSize);
  return w_.size();
}

std::string_view default_reason(uint16_t code) {
  switch (code) {
    case error::kTryAlternate: return "Try Alternate";
    case error::kBadRequest: return "Bad Request";
    case error::kUnauthorized: return "Unauthorized";
    case error::kUnknownAttribute: return "Unknown Attribute";
    case error::kStaleNonce: return "Stale Nonce";
    case error::kRoleConflict: return "Role Conflict";
    case error::kServerError: return "Server Error";
    default: return "";
  }
}

}  // namespace umbrella::stun
