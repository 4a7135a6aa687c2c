#include "auth/json_object.hpp"

namespace umbrella::auth {
namespace {

int hex_value(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xC0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += char(0xE0 | (cp >> 12));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  } else {
    out += char(0xF0 | (cp >> 18));
    out += char(0x80 | ((cp >> 12) & 0x3F));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  }
}

// Length of the well-formed UTF-8 sequence at the start of `s` (RFC 3629: no overlong forms,
// surrogates or code points past U+10FFFF), 0 if there is none.
size_t utf8_length(std::span<const uint8_t> s) {
  uint8_t c = s[0];
  size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (n == 0 || s.size() < n) return 0;
  uint32_t cp = n == 1 ? c : c & (0x7F >> n);
  for (size_t i = 1; i < n; ++i) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    cp = cp << 6 | (s[i] & 0x3F);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

}  // namespace

void JsonObjectReader::ws() {
  while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
}

bool JsonObjectReader::eat(char c) {
  ws();
  if (i_ < s_.size() && s_[i_] == uint8_t(c)) {
    ++i_;
    return true;
  }
  return false;
}

bool JsonObjectReader::begin() { return eat('{') || fail(); }

std::optional<std::string> JsonObjectReader::next_key(size_t max_key) {
  if (failed_ || closed_) return std::nullopt;
  if (eat('}')) {
    closed_ = true;
    ws();
    if (i_ != s_.size()) fail();  // nothing may follow the object
    return std::nullopt;
  }
  if (!first_ && !eat(',')) return fail(), std::nullopt;
  first_ = false;
  std::string key;
  ws();
  if (!read_string(&key, max_key) || !eat(':')) return fail(), std::nullopt;
  return key;
}

bool JsonObjectReader::read_string(std::string* out, size_t max_bytes) {
  ws();
  if (i_ >= s_.size() || s_[i_] != '"') return fail();
  ++i_;
  size_t written = 0;
  while (i_ < s_.size()) {
    uint8_t c = s_[i_++];
    if (c == '"') return true;
    if (c < 0x20) return fail();
    std::string piece;
    if (c >= 0x80) {
      // JSON text is UTF-8 (RFC 8259): a claim holds only what a name can be written back as.
      size_t n = utf8_length(s_.subspan(i_ - 1));
      if (n == 0) return fail();
      piece.assign(reinterpret_cast<const char*>(&s_[i_ - 1]), n);
      i_ += n - 1;
    } else if (c != '\\') {
      piece = char(c);
    } else {
      if (i_ >= s_.size()) return fail();
      uint8_t e = s_[i_++];
      switch (e) {
        case '"': case '\\': case '/': piece = char(e); break;
        case 'b': piece = '\b'; break;
        case 'f': piece = '\f'; break;
        case 'n': piece = '\n'; break;
        case 'r': piece = '\r'; break;
        case 't': piece = '\t'; break;
        case 'u': {
          auto hex4 = [&](uint32_t& v) {
            if (s_.size() - i_ < 4) return false;
            v = 0;
            for (int k = 0; k < 4; ++k) {
              int h = hex_value(s_[i_++]);
              if (h < 0) return false;
              v = v << 4 | uint32_t(h);
            }
            return true;
          };
          uint32_t cp = 0;
          if (!hex4(cp)) return fail();
          if (cp >= 0xDC00 && cp <= 0xDFFF) return fail();  // a lone low surrogate
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t low = 0;
            if (s_.size() - i_ < 2 || s_[i_] != '\\' || s_[i_ + 1] != 'u') return fail();
            i_ += 2;
            if (!hex4(low) || low < 0xDC00 || low > 0xDFFF) return fail();
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          append_utf8(piece, cp);
          break;
        }
        default: return fail();
      }
    }
    written += piece.size();
    if (written > max_bytes) return fail();
    if (out) *out += piece;
  }
  return fail();  // unterminated
}

bool JsonObjectReader::read_number(bool integer_only, int64_t* out) {
  ws();
  size_t start = i_;
  if (i_ < s_.size() && s_[i_] == '-') {
    if (integer_only) return fail();
    ++i_;
  }
  size_t digits = 0;
  int64_t v = 0;
  while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') {
    if (++digits > 16) return fail();  // beyond 2^53 (JSON's exact integers) anyway
    v = v * 10 + (s_[i_++] - '0');
  }
  if (digits == 0 || (digits > 1 && s_[start + (s_[start] == '-')] == '0')) return fail();
  bool fraction = false;
  if (i_ < s_.size() && s_[i_] == '.') {
    fraction = true;
    ++i_;
    size_t f = 0;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9' && f < 32) ++i_, ++f;
    if (f == 0 || f == 32) return fail();
  }
  if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
    fraction = true;
    ++i_;
    if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
    size_t e = 0;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9' && e < 8) ++i_, ++e;
    if (e == 0 || e == 8) return fail();
  }
  if (integer_only && (fraction || v > (int64_t(1) << 53))) return fail();
  if (out) *out = v;
  return true;
}

bool JsonObjectReader::literal(std::string_view word) {
  ws();
  if (s_.size() - i_ < word.size()) return fail();
  for (char c : word)
    if (s_[i_++] != uint8_t(c)) return fail();
  return true;
}

bool JsonObjectReader::skip(int depth) {
  if (depth > kMaxDepth) return fail();
  ws();
  if (i_ >= s_.size()) return fail();
  uint8_t c = s_[i_];
  if (c == '"') return read_string(nullptr, s_.size());
  if (c == 't') return literal("true");
  if (c == 'f') return literal("false");
  if (c == 'n') return literal("null");
  if (c == '{' || c == '[') {
    char close = c == '{' ? '}' : ']';
    ++i_;
    if (eat(close)) return true;
    do {
      if (c == '{' && (!read_string(nullptr, s_.size()) || !eat(':'))) return fail();
      if (!skip(depth + 1)) return false;
    } while (eat(','));
    return eat(close) || fail();
  }
  return read_number(false, nullptr);
}

std::optional<std::string> JsonObjectReader::string_value(size_t max_bytes) {
  std::string v;
  if (!read_string(&v, max_bytes)) return std::nullopt;
  return v;
}

std::optional<int64_t> JsonObjectReader::integer_value() {
  int64_t v = 0;
  if (!read_number(true, &v)) return std::nullopt;
  return v;
}

std::optional<bool> JsonObjectReader::bool_value() {
  ws();
  if (i_ < s_.size() && s_[i_] == 't') return literal("true") ? std::optional<bool>(true) : std::nullopt;
  if (i_ < s_.size() && s_[i_] == 'f') return literal("false") ? std::optional<bool>(false) : std::nullopt;
  fail();
  return std::nullopt;
}

bool JsonObjectReader::skip_value() { return skip(1); }

std::optional<std::span<const uint8_t>> JsonObjectReader::raw_value() {
  ws();
  size_t start = i_;
  if (!skip(1)) return std::nullopt;
  return s_.subspan(start, i_ - start);
}

}  // namespace umbrella::auth
