// STUN message parsing (RFC 8489 section 5 and 14).
#include <cstring>

#include "stun/crc32.hpp"
#include "stun/message.hpp"

namespace umbrella::stun {
namespace {

// RFC 8489 limits, in bytes, of the variable-length text attributes.
constexpr size_t kMaxUsername = 513;
constexpr size_t kMaxText = 763;

// MAPPED-ADDRESS and XOR-MAPPED-ADDRESS share a layout; xor_key is all zeros for the former.
std::optional<SocketAddress> decode_address(Bytes value, const uint8_t* xor_key, uint16_t xor_port) {
  ByteReader r(value);
  r.u8();  // reserved
  uint8_t family = r.u8();
  uint16_t port = r.u16() ^ xor_port;
  if (family == 0x01 && value.size() == 8) {
    std::array<uint8_t, 4> ip{};
    for (size_t i = 0; i < 4; ++i) ip[i] = uint8_t(value[4 + i] ^ xor_key[i]);
    return SocketAddress::ipv4(ip, port);
  }
  if (family == 0x02 && value.size() == 20) {
    std::array<uint8_t, 16> ip{};
    for (size_t i = 0; i < 16; ++i) ip[i] = uint8_t(value[4 + i] ^ xor_key[i]);
    return SocketAddress::ipv6(ip, port);
  }
  return std::nullopt;
}

std::optional<std::string_view> decode_text(Bytes value, size_t max) {
  if (value.size() > max) return std::nullopt;
  return as_string_view(value);
}

std::optional<ErrorCode> decode_error_code(Bytes value) {
  if (value.size() < 4 || value.size() - 4 > kMaxText) return std::nullopt;
  unsigned cls = value[2] & 0x07;
  unsigned number = value[3];
  if (cls < 3 || cls > 6 || number > 99) return std::nullopt;
  return ErrorCode{uint16_t(cls * 100 + number), as_string_view(value.subspan(4))};
}

template <typename T>
bool set_once(std::optional<T>& slot, std::optional<T> value) {
  if (!value) return false;
  if (!slot) slot = value;  // RFC 8489: only the first occurrence of an attribute counts
  return true;
}

// Decodes one attribute into m. Returns false if a known attribute is malformed.
bool decode_attribute(Message& m, uint16_t type, Bytes value, const uint8_t* xor_key) {
  switch (type) {
    case attr::kMappedAddress: {
      static constexpr uint8_t kZero[16] = {};
      return set_once(m.mapped_address, decode_address(value, kZero, 0));
    }
    case attr::kXorMappedAddress:
      return set_once(m.xor_mapped_address, decode_address(value, xor_key, kMagicCookie >> 16));
    case attr::kUsername: return set_once(m.username, decode_text(value, kMaxUsername));
    case attr::kRealm: return set_once(m.realm, decode_text(value, kMaxText));
    case attr::kNonce: return set_once(m.nonce, decode_text(value, kMaxText));
    case attr::kSoftware: return set_once(m.software, decode_text(value, kMaxText));
    case attr::kErrorCode: return set_once(m.error_code, decode_error_code(value));
    case attr::kPriority:
      return value.size() == 4 && set_once(m.priority, std::optional<uint32_t>(load_be32(value.data())));
    case attr::kIceControlling:
      return value.size() == 8 &&
             set_once(m.ice_controlling, std::optional<uint64_t>(load_be64(value.data())));
    case attr::kIceControlled:
      return value.size() == 8 &&
             set_once(m.ice_controlled, std::optional<uint64_t>(load_be64(value.data())));
    case attr::kUseCandidate:
      if (!value.empty()) return false;
      m.use_candidate = true;
      return true;
    // Known but not used by this stack: accepted so they do not trigger a 420.
    case attr::kUnknownAttributes:
    case attr::kMessageIntegritySha256:
    case attr::kPasswordAlgorithm:
    case attr::kUserhash:
      return true;
    default:
      if (attr::is_comprehension_required(type)) {
        if (m.unknown_count < Message::kMaxUnknown) m.unknown[m.unknown_count++] = type;
        else m.unknown_overflow = true;
      }
      return true;
  }
}

}  // namespace

const char* to_string(ParseError e) {
  switch (e) {
    case ParseError::kTooShort: return "too short";
    case ParseError::kNotStun: return "not STUN";
    case ParseError::kBadLength: return "bad length";
    case ParseError::kAttributeOverrun: return "attribute overrun";
    case ParseError::kBadAttribute: return "bad attribute";
    case ParseError::kBadFingerprint: return "bad fingerprint";
    case ParseError::kFingerprintNotLast: return "attribute after fingerprint";
  }
  return "?";
}

bool looks_like_stun(Bytes packet) {
  if (packet.size() < kHeaderSize) return false;
  if (packet[0] > 3) return false;  // RFC 7983: 0..3 is STUN
  size_t length = load_be16(&packet[2]);
  return length % 4 == 0 && length + kHeaderSize == packet.size() &&
         load_be32(&packet[4]) == kMagicCookie;
}

Result<Message, ParseError> parse(Bytes packet) {
  if (packet.size() < kHeaderSize) return Err{ParseError::kTooShort};
  ByteReader r(packet);
  uint16_t type = r.u16();
  uint16_t length = r.u16();
  uint32_t cookie = r.u32();
  // RFC 7983: on a shared port only first bytes 0..3 are STUN (all defined methods fit).
  if (type > 0x03FF || cookie != kMagicCookie) return Err{ParseError::kNotStun};
  if (length % 4 != 0 || size_t(length) + kHeaderSize != packet.size()) return Err{ParseError::kBadLength};

  Message m;
  m.method = method_of(type);
  m.cls = class_of(type);
  Bytes tid = r.bytes(12);
  std::memcpy(m.transaction_id.data(), tid.data(), tid.size());

  // XOR-MAPPED-ADDRESS key: magic cookie followed by the transaction id (packet bytes 4..19).
  const uint8_t* xor_key = &packet[4];

  bool after_integrity = false;
  while (!r.empty()) {
    size_t offset = r.position();
    if (m.has_fingerprint) return Err{ParseError::kFingerprintNotLast};
    if (!r.need(kAttributeHeaderSize)) return Err{ParseError::kAttributeOverrun};
    uint16_t atype = r.u16();
    uint16_t alen = r.u16();
    if (r.remaining() < padded(alen)) return Err{ParseError::kAttributeOverrun};
    Bytes value = r.bytes(alen);
    r.skip(padded(alen) - alen);

    if (atype == attr::kFingerprint) {
      if (alen != 4) return Err{ParseError::kBadAttribute};
      // Covers everything before the attribute; the header length already includes it,
      // since FINGERPRINT must be last (checked on the next iteration).
      uint32_t expected = crc32(packet.first(offset)) ^ kFingerprintXor;
      if (load_be32(value.data()) != expected) return Err{ParseError::kBadFingerprint};
      m.has_fingerprint = true;
      continue;
    }
    // RFC 8489 14.5: everything after MESSAGE-INTEGRITY but FINGERPRINT is ignored.
    if (after_integrity) continue;
    if (atype == attr::kMessageIntegrity) {
      if (alen != kIntegritySize) return Err{ParseError::kBadAttribute};
      m.integrity_offset = offset;
      after_integrity = true;
      continue;
    }
    if (!decode_attribute(m, atype, value, xor_key)) return Err{ParseError::kBadAttribute};
  }
  if (!r.ok()) return Err{ParseError::kAttributeOverrun};
  return m;
}

}  // namespace umbrella::stun
