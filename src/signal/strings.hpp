// Fixed char arrays of the nanopb structs <-> string_view, never overrunning either side.
#pragma once

#include <cstddef>
#include <cstring>
#include <string_view>

namespace umbrella::signal {

// Length of a UTF-8 prefix of `s` that is at most `max` bytes and does not split a
// multi-byte sequence (so truncated names stay valid UTF-8 where the input was).
inline size_t utf8_prefix_length(std::string_view s, size_t max) {
  if (s.size() <= max) return s.size();
  size_t n = max;
  // Step back over continuation bytes (10xxxxxx) to the start of the cut character.
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return n;
}

// Copies `src` into `dst` with a terminating NUL, truncating to fit. Returns false if it
// had to truncate.
template <size_t N>
bool copy_string(char (&dst)[N], std::string_view src) {
  static_assert(N > 0);
  size_t n = utf8_prefix_length(src, N - 1);
  if (n > 0) std::memcpy(dst, src.data(), n);
  dst[n] = '\0';
  return n == src.size();
}

// Like copy_string but refuses (leaving dst empty) instead of truncating: for values such
// as SDP or ids where a cut-off copy would be wrong rather than merely shorter.
template <size_t N>
bool copy_string_exact(char (&dst)[N], std::string_view src) {
  if (src.size() > N - 1) {
    dst[0] = '\0';
    return false;
  }
  return copy_string(dst, src);
}

// View of a NUL-terminated fixed array; stops at N even if the NUL is missing.
template <size_t N>
std::string_view view(const char (&s)[N]) {
  return {s, strnlen(s, N)};
}

}  // namespace umbrella::signal
