// Why a DNS lookup or a DNS message failed.
#pragma once

#include <string_view>

namespace umbrella::net {

enum class DnsError {
  kBufferTooSmall,   // a builder's output span cannot hold the message
  kBadName,          // empty label, label > 63 bytes, name > 255 bytes, or bad characters
  kMalformed,        // a length runs past the message, or a bad label type
  kCompressionLoop,  // a compression pointer that does not point strictly backwards
  kNotResponse,      // QR bit clear, or an opcode we did not send
  kIdMismatch,       // not the answer to our query (spoofed or stale)
  kQuestionMismatch, // answers another name, type or class
  kTruncated,        // TC bit: the answer did not fit in UDP
  kNameNotFound,     // NXDOMAIN, or no address of the asked family for any candidate name
  kServerFailure,    // SERVFAIL, REFUSED, NOTIMP or another non-zero RCODE
  kTimeout,          // no server answered within timeout x attempts
};

constexpr std::string_view to_string(DnsError e) {
  switch (e) {
    case DnsError::kBufferTooSmall: return "buffer too small";
    case DnsError::kBadName: return "bad name";
    case DnsError::kMalformed: return "malformed message";
    case DnsError::kCompressionLoop: return "compression pointer loop";
    case DnsError::kNotResponse: return "not a response";
    case DnsError::kIdMismatch: return "id mismatch";
    case DnsError::kQuestionMismatch: return "question mismatch";
    case DnsError::kTruncated: return "truncated";
    case DnsError::kNameNotFound: return "name not found";
    case DnsError::kServerFailure: return "server failure";
    case DnsError::kTimeout: return "timeout";
  }
  return "?";
}

}  // namespace umbrella::net
