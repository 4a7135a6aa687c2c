#include <cstdio>
#include <type_traits>

#include "signal/status.hpp"

namespace umbrella::signal {
namespace {

// Length of the valid UTF-8 sequence at s[i], or 0 if it is invalid (overlong, surrogate,
// beyond U+10FFFF, truncated).
size_t utf8_sequence_length(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  auto cont = [&](size_t k) { return i + k < s.size() && (b(k) & 0xC0) == 0x80; };
  unsigned char c = b(0);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && b(1) < 0xA0) return 0;   // overlong
    if (c == 0xED && b(1) >= 0xA0) return 0;  // UTF-16 surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && b(1) < 0x90) return 0;   // overlong
    if (c == 0xF4 && b(1) >= 0x90) return 0;  // > U+10FFFF
    return 4;
  }
  return 0;
}

// Writes any generated status struct as JSON: proto field names, integers as numbers,
// enums by json_name(), repeated fields as arrays, maps as objects. Every value is followed
// by ',' which close() turns into the closing bracket.
class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  template <class T>
  void field(uint32_t /*number*/, std::string_view name, const T& v) {
    append_json_string(out_, name);
    out_ += ':';
    value(v);
  }

  void value(const std::string& v) {
    append_json_string(out_, v);
    out_ += ',';
  }
  void value(bool v) { out_ += v ? "true," : "false,"; }
  template <class T>
    requires std::is_integral_v<T>
  void value(T v) {
    out_ += std::to_string(v);
    out_ += ',';
  }
  template <class E>
    requires std::is_enum_v<E>
  void value(E v) {
    append_json_string(out_, status::json_name(v));
    out_ += ',';
  }
  template <class M>
    requires requires(const M& m, JsonWriter& w) { m.visit(w); }
  void value(const M& m) {
    out_ += '{';
    m.visit(*this);
    close('}');
  }
  template <class T>
  void value(const std::vector<T>& list) {
    out_ += '[';
    for (const auto& v : list) value(v);
    close(']');
  }
  template <class V>
  void value(const std::map<std::string, V>& map) {
    out_ += '{';
    for (const auto& [k, v] : map) field(0, k, v);
    close('}');
  }

 private:
  void close(char bracket) {
    if (out_.back() == ',') out_.back() = bracket;
    else out_ += bracket;
    out_ += ',';
  }

  std::string& out_;
};

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      size_t n = utf8_sequence_length(s, i);
      if (n == 0) {
        out += "\\ufffd";
        ++i;
      } else {
        out.append(s.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
}

std::string to_json(const StatusSnapshot& s) {
  std::string out;
  out.reserve(512 + s.clients.size() * 512);
  JsonWriter(out).value(s);
  out.pop_back();  // the ',' after the top-level object
  return out;
}

}  // namespace umbrella::signal
