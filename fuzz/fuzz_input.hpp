// Reads a fuzz input as a sequence of small fields for the stateful harnesses (operation
// codes, time steps, lengths, payloads). Past the end every read returns zeros / empty, so a
// harness loops `while (!in.empty())` and never reads out of bounds.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/bytes.hpp"
#include "core/time.hpp"

namespace umbrella::fuzz {

// Stops at a broken invariant: libFuzzer saves the input as a crash; the corpus replay in the
// unit tests dies on it (doctest names the corpus file).
inline void check(bool ok) {
  if (!ok) __builtin_trap();
}

class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  bool empty() const { return pos_ >= size_; }
  size_t remaining() const { return size_ - pos_; }

  uint8_t u8() { return pos_ < size_ ? data_[pos_++] : 0; }
  uint16_t u16() { return uint16_t(u8() << 8 | u8()); }
  uint32_t u32() { return uint32_t(u16()) << 16 | u16(); }
  bool flag() { return u8() & 1; }

  // Up to n bytes (fewer at the end of the input).
  Bytes bytes(size_t n) {
    n = std::min(n, remaining());
    Bytes b(data_ + pos_, n);
    pos_ += n;
    return b;
  }
  // A length byte, then that many bytes.
  Bytes sized_bytes() { return bytes(u8()); }
  // A 16-bit length, then that many bytes (bounded by max).
  Bytes sized_bytes16(size_t max) { return bytes(std::min<size_t>(u16(), max)); }
  std::string_view sized_string() { return as_string_view(sized_bytes()); }
  Bytes rest() { return bytes(remaining()); }

  // A time step: mostly small (ms), sometimes seconds, so timers and expiries are reached.
  Duration time_step() {
    uint8_t b = u8();
    if (b < 200) return milliseconds(b);
    return seconds(b - 199);
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

}  // namespace umbrella::fuzz
