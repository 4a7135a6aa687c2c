#include "dtls/record.hpp"

namespace umbrella::dtls {
namespace {
constexpr uint16_t kDtls10 = 0xfeff;  // ClientHello and HelloVerifyRequest records may say 1.0
constexpr uint16_t kDtls12 = 0xfefd;
}  // namespace

ParsedRecord parse_record(Bytes data) {
  ParsedRecord out;
  ByteReader r(data);
  uint8_t type = r.u8();
  uint16_t version = r.u16();
  uint16_t epoch = r.u16();
  uint64_t sequence = uint64_t(r.u16()) << 32;
  sequence |= r.u32();
  uint16_t length = r.u16();
  if (!r.ok()) {
    out.error = RecordError::kShortHeader;
    return out;
  }
  if (type < uint8_t(ContentType::kChangeCipherSpec) || type > uint8_t(ContentType::kApplicationData)) {
    out.error = RecordError::kContentType;
    return out;
  }
  if (version != kDtls12 && version != kDtls10) {
    out.error = RecordError::kVersion;
    return out;
  }
  if (length == 0 || length > kMaxRecordBody) {
    out.error = RecordError::kLength;
    return out;
  }
  Bytes body = r.bytes(length);
  if (!r.ok()) {
    out.error = RecordError::kShortBody;
    return out;
  }
  out.record = Record{ContentType(type), version, epoch, sequence, body, data.first(kRecordHeaderSize + length)};
  return out;
}

ParsedFragment parse_handshake_fragment(Bytes body) {
  ParsedFragment out;
  ByteReader r(body);
  uint8_t type = r.u8();
  uint32_t length = r.u24();
  uint16_t seq = r.u16();
  uint32_t offset = r.u24();
  uint32_t fragment_length = r.u24();
  if (!r.ok()) {
    out.error = HandshakeError::kShortHeader;
    return out;
  }
  if (length > kMaxHandshakeLength) {
    out.error = HandshakeError::kTooLong;
    return out;
  }
  if (offset > length || fragment_length > length - offset) {
    out.error = HandshakeError::kOutOfBounds;
    return out;
  }
  // An empty fragment of a non-empty message carries nothing (mbedTLS would buffer it anyway).
  if (fragment_length == 0 && length != 0) {
    out.error = HandshakeError::kEmpty;
    return out;
  }
  Bytes fragment = r.bytes(fragment_length);
  if (!r.ok()) {
    out.error = HandshakeError::kShortFragment;
    return out;
  }
  out.fragment = HandshakeFragment{HandshakeType(type), length, seq, offset, fragment,
                                   body.first(kHandshakeHeaderSize + fragment_length)};
  return out;
}

const char* to_string(RecordError e) {
  switch (e) {
    case RecordError::kNone: return "ok";
    case RecordError::kShortHeader: return "short header";
    case RecordError::kContentType: return "unknown content type";
    case RecordError::kVersion: return "not DTLS 1.0/1.2";
    case RecordError::kLength: return "bad length";
    case RecordError::kShortBody: return "length beyond datagram";
  }
  return "?";
}

}  // namespace umbrella::dtls
