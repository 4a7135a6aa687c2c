// DTLS 1.2 record and handshake-fragment framing (RFC 6347 4.1, 4.2.2), checked by us before
// mbedTLS sees a datagram: mbedTLS treats some malformed records as fatal to the whole
// association, while RFC 6347 4.1.2.7 says invalid records are silently discarded.
// Pure views over the caller's bytes; no allocation.
#pragma once

#include <cstdint>

#include "core/bytes.hpp"

namespace umbrella::dtls {

enum class ContentType : uint8_t { kChangeCipherSpec = 20, kAlert = 21, kHandshake = 22, kApplicationData = 23 };

enum class HandshakeType : uint8_t {
  kHelloRequest = 0,
  kClientHello = 1,
  kServerHello = 2,
  kHelloVerifyRequest = 3,
  kCertificate = 11,
  kServerKeyExchange = 12,
  kCertificateRequest = 13,
  kServerHelloDone = 14,
  kCertificateVerify = 15,
  kClientKeyExchange = 16,
  kFinished = 20,
};

constexpr size_t kRecordHeaderSize = 13;    // type, version(2), epoch(2), sequence(6), length(2)
constexpr size_t kHandshakeHeaderSize = 12;  // type, length(3), message_seq(2), offset(3), fragment length(3)
// RFC 6347 4.1 / RFC 5246 6.2.3: at most 2^14 + 2048 bytes of (protected) record body.
constexpr size_t kMaxRecordBody = 16384 + 2048;
// The largest handshake message mbedTLS reassembles (its 16 KiB input buffer, header included).
constexpr uint32_t kMaxHandshakeLength = 16384 - kHandshakeHeaderSize;

struct Record {
  ContentType type{};
  uint16_t version = 0;
  uint16_t epoch = 0;
  uint64_t sequence = 0;  // 48 bits
  Bytes body;             // the record's fragment (protected after epoch 0)
  Bytes bytes;            // header and body
};

enum class RecordError : uint8_t { kNone, kShortHeader, kContentType, kVersion, kLength, kShortBody };

struct ParsedRecord {
  RecordError error = RecordError::kNone;
  Record record;
};

// The record at the start of `data`. On error nothing after it can be framed either.
ParsedRecord parse_record(Bytes data);

struct HandshakeFragment {
  HandshakeType type{};
  uint32_t length = 0;  // of the whole message
  uint16_t message_seq = 0;
  uint32_t offset = 0;
  Bytes fragment;
  Bytes bytes;  // header and fragment
};

enum class HandshakeError : uint8_t { kNone, kShortHeader, kTooLong, kOutOfBounds, kShortFragment, kEmpty };

struct ParsedFragment {
  HandshakeError error = HandshakeError::kNone;
  HandshakeFragment fragment;
};

// The handshake fragment at the start of a plaintext handshake record body: its lengths agree
// (offset + fragment length <= length <= kMaxHandshakeLength) and it fits in `body`.
ParsedFragment parse_handshake_fragment(Bytes body);

// Calls fn(const HandshakeFragment&) for each fragment of a plaintext handshake record body
// while fn returns true. Returns false unless the body is one or more well-formed fragments
// that tile it exactly (a record may carry several messages, as BoringSSL sends them).
template <typename Fn>
bool for_each_handshake_fragment(Bytes body, Fn&& fn) {
  if (body.empty()) return false;
  while (!body.empty()) {
    ParsedFragment p = parse_handshake_fragment(body);
    if (p.error != HandshakeError::kNone) return false;
    if (!fn(p.fragment)) return true;
    body = body.subspan(p.fragment.bytes.size());
  }
  return true;
}

// True for a plaintext handshake record body that tiles into well-formed fragments.
inline bool well_formed_handshake_body(Bytes body) {
  return for_each_handshake_fragment(body, [](const HandshakeFragment&) { return true; });
}

const char* to_string(RecordError e);

}  // namespace umbrella::dtls
