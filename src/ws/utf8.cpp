#include "ws/utf8.hpp"

namespace umbrella::ws {

bool Utf8Validator::feed(Bytes data) {
  if (bad_) return false;
  for (uint8_t b : data) {
    if (need_ > 0) {
      if (b < lo_ || b > hi_) return !(bad_ = true);
      --need_;
      lo_ = 0x80;
      hi_ = 0xBF;
      continue;
    }
    if (b < 0x80) continue;
    // Lead byte: the number of continuation bytes, and the range of the first one, which is
    // what rules out overlong forms (E0, F0), surrogates (ED) and values past U+10FFFF (F4).
    if (b >= 0xC2 && b <= 0xDF) {
      need_ = 1;
    } else if (b >= 0xE0 && b <= 0xEF) {
      need_ = 2;
      if (b == 0xE0) lo_ = 0xA0;
      if (b == 0xED) hi_ = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      need_ = 3;
      if (b == 0xF0) lo_ = 0x90;
      if (b == 0xF4) hi_ = 0x8F;
    } else {
      return !(bad_ = true);
    }
  }
  return true;
}

bool is_valid_utf8(Bytes data) {
  Utf8Validator v;
  return v.feed(data) && v.complete();
}

}  // namespace umbrella::ws
