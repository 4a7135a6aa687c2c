// Incremental UTF-8 validation (RFC 3629: no overlongs, no surrogates, max U+10FFFF), so a
// fragmented text message can be checked piece by piece and fail as early as possible.
#pragma once

#include <cstdint>

#include "core/bytes.hpp"

namespace umbrella::ws {

class Utf8Validator {
 public:
  // False once the bytes so far cannot start a valid string (sticky).
  bool feed(Bytes data);
  // The bytes so far are valid and end on a character boundary.
  bool complete() const { return !bad_ && need_ == 0; }
  void reset() { *this = Utf8Validator(); }

 private:
  uint8_t need_ = 0;   // continuation bytes still expected
  uint8_t lo_ = 0x80;  // allowed range of the next continuation byte
  uint8_t hi_ = 0xBF;
  bool bad_ = false;
};

bool is_valid_utf8(Bytes data);

}  // namespace umbrella::ws
