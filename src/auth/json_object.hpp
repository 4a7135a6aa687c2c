// A flat JSON object reader for token headers and claims: members one at a time, values as
// strings (unescaped), integers or booleans; anything else can be skipped. Bounded: strings
// by the caller's limit, nesting of skipped values by kMaxDepth.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace umbrella::auth {

class JsonObjectReader {
 public:
  static constexpr int kMaxDepth = 8;
  explicit JsonObjectReader(std::span<const uint8_t> text) : s_(text) {}

  // Consumes '{'. False if the text does not start an object.
  bool begin();
  // The next member's key (unescaped, at most max_key bytes) and its ':'; nullopt at the
  // closing '}' (then done() tells whether the text ended cleanly) or on an error (failed()).
  std::optional<std::string> next_key(size_t max_key);
  std::optional<std::string> string_value(size_t max_bytes);
  std::optional<int64_t> integer_value();  // 0..2^53, no fraction or exponent
  std::optional<bool> bool_value();
  bool skip_value();
  // Skips a value and returns the text it covered (a nested object for its own reader).
  std::optional<std::span<const uint8_t>> raw_value();
  bool failed() const { return failed_; }
  bool done() const { return closed_ && !failed_; }

 private:
  void ws();
  bool eat(char c);
  bool skip(int depth);
  bool read_string(std::string* out, size_t max_bytes);  // out null: skip
  bool read_number(bool integer_only, int64_t* out);
  bool literal(std::string_view word);
  bool fail() { failed_ = true; return false; }

  std::span<const uint8_t> s_;
  size_t i_ = 0;
  bool first_ = true;
  bool closed_ = false;
  bool failed_ = false;
};

}  // namespace umbrella::auth
