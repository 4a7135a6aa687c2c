// Why an RTP or RTCP parser refused its input.
#pragma once

#include <cstdint>

namespace umbrella::rtp {

enum class ParseError : uint8_t {
  kTooShort,        // fewer bytes than the fixed header or a declared length needs
  kBadVersion,      // version field is not 2
  kBadPadding,      // padding count is zero or larger than the room for it
  kBadExtension,    // header extension block or one of its elements overruns
  kBadLength,       // RTCP length field inconsistent with the data
  kWrongType,       // RTCP packet type / FMT is not the one this parser handles
  kBadContent,      // a field value the format forbids (e.g. missing "REMB" identifier)
};

constexpr const char* to_string(ParseError e) {
  switch (e) {
    case ParseError::kTooShort: return "too short";
    case ParseError::kBadVersion: return "bad version";
    case ParseError::kBadPadding: return "bad padding";
    case ParseError::kBadExtension: return "bad header extension";
    case ParseError::kBadLength: return "bad length";
    case ParseError::kWrongType: return "wrong type";
    case ParseError::kBadContent: return "bad content";
  }
  return "?";
}

}  // namespace umbrella::rtp
