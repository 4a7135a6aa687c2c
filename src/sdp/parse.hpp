// SDP text -> SessionDescription. Accepts "\r\n" or "\n" line endings; refuses input over
// the bounds of limits.hpp, unknown line types, and malformed known attributes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "sdp/session_description.hpp"

namespace umbrella::sdp {

enum class ParseErrorCode : uint8_t {
  kTooLarge,            // input over kMaxSdpBytes
  kTooManyLines,        // over kMaxLines
  kLineTooLong,         // over kMaxLineLength
  kTooManyMediaSections,
  kTooManyItems,        // formats, candidates, tokens or attributes over their bound
  kMalformedLine,       // not "<letter>=<value>", control characters, unknown type letter
  kBadVersion,          // first line is not v=0
  kBadOrigin,
  kBadTiming,
  kBadConnection,
  kBadMediaLine,
  kBadAttribute,        // a known attribute whose value does not parse
  kDuplicate,           // duplicate mid, rtpmap or o=/s= line
  kMissingLine,         // no o= or s= line
};

struct ParseError {
  ParseErrorCode code;
  size_t line = 0;  // 1-based line number, 0 for the whole input
};

const char* to_string(ParseErrorCode code);
std::string to_string(const ParseError& error);

Result<SessionDescription, ParseError> parse(std::string_view text);

// Attribute-value helpers, also used on their own by signalling (e.g. trickle).
std::optional<Fmtp> parse_fmtp_params(std::string_view params);
std::string format_fmtp_params(const Fmtp& fmtp);
std::optional<Simulcast> parse_simulcast(std::string_view value);
std::string format_simulcast(const Simulcast& s);

}  // namespace umbrella::sdp
