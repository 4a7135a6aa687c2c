// Minimal protobuf wire-format writer for messages the server only ever encodes and whose
// size is unbounded (umbrella.Status): nested messages are built into their own string and
// appended length-delimited. Not for the media path (it allocates).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace umbrella::signal {

class ProtoWriter {
 public:
  void varint(uint64_t v) {
    while (v >= 0x80) {
      out_ += static_cast<char>((v & 0x7F) | 0x80);
      v >>= 7;
    }
    out_ += static_cast<char>(v);
  }
  // proto3 leaves zero scalars and empty strings out; so do we.
  void uint(uint32_t field, uint64_t v) {
    if (v == 0) return;
    varint(uint64_t{field} << 3 | 0);
    varint(v);
  }
  void bytes(uint32_t field, std::string_view v) {
    if (v.empty()) return;
    message(field, v);
  }
  // Length-delimited field written even when empty (a repeated submessage must be present).
  void message(uint32_t field, std::string_view encoded) {
    varint(uint64_t{field} << 3 | 2);
    varint(encoded.size());
    out_.append(encoded);
  }
  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

}  // namespace umbrella::signal
