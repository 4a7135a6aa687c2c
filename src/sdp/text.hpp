// Small string helpers shared by the SDP parser and builder (internal).
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace umbrella::sdp::detail {

inline bool is_space(char c) { return c == ' ' || c == '\t'; }

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Splits on runs of spaces/tabs; refuses (nullopt) more than max_tokens tokens.
inline std::optional<std::vector<std::string_view>> split_ws(std::string_view s, size_t max_tokens) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_space(s[i])) ++i;
    if (i == s.size()) break;
    size_t j = i;
    while (j < s.size() && !is_space(s[j])) ++j;
    if (out.size() == max_tokens) return std::nullopt;
    out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

// Splits at the first occurrence of sep: {before, after}; after is empty if sep is absent.
inline std::pair<std::string_view, std::string_view> split_once(std::string_view s, char sep) {
  auto p = s.find(sep);
  if (p == std::string_view::npos) return {s, {}};
  return {s.substr(0, p), s.substr(p + 1)};
}

// Strict decimal: digits only, no sign, fits in T.
template <typename T>
std::optional<T> parse_uint(std::string_view s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  for (char c : s) if (c < '0' || c > '9') return std::nullopt;
  T v{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
  return v;
}

inline char lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }

inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

// A token as RFC 8866 allows it: printable, no spaces.
inline bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) if (c <= 0x20 || c == 0x7f) return false;
  return true;
}

}  // namespace umbrella::sdp::detail
