// Bounds-checked big-endian reading and writing over byte spans.
// Every network parser in the tree reads through ByteReader so that no length
// is trusted before it is checked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace umbrella {

using Bytes = std::span<const uint8_t>;
using MutableBytes = std::span<uint8_t>;

inline uint16_t load_be16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }
inline uint32_t load_be24(const uint8_t* p) { return uint32_t(p[0]) << 16 | uint32_t(p[1]) << 8 | p[2]; }
inline uint32_t load_be32(const uint8_t* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}
inline uint64_t load_be64(const uint8_t* p) { return uint64_t(load_be32(p)) << 32 | load_be32(p + 4); }
inline void store_be16(uint8_t* p, uint16_t v) { p[0] = uint8_t(v >> 8); p[1] = uint8_t(v); }
inline void store_be24(uint8_t* p, uint32_t v) { p[0] = uint8_t(v >> 16); p[1] = uint8_t(v >> 8); p[2] = uint8_t(v); }
inline void store_be32(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v >> 24); p[1] = uint8_t(v >> 16); p[2] = uint8_t(v >> 8); p[3] = uint8_t(v);
}
inline void store_be64(uint8_t* p, uint64_t v) { store_be32(p, uint32_t(v >> 32)); store_be32(p + 4, uint32_t(v)); }

inline std::string_view as_string_view(Bytes b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }
inline Bytes as_bytes(std::string_view s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

// Sequential reader: every read checks the remaining length first and, once a
// read fails, the reader stays failed so a parser can check ok() once at the end.
class ByteReader {
 public:
  explicit ByteReader(Bytes data) : data_(data) {}

  bool ok() const { return ok_; }
  size_t remaining() const { return ok_ ? data_.size() - pos_ : 0; }
  size_t position() const { return pos_; }
  bool empty() const { return remaining() == 0; }

  bool need(size_t n) {
    if (!ok_ || data_.size() - pos_ < n) ok_ = false;
    return ok_;
  }
  uint8_t u8() { return need(1) ? data_[pos_++] : 0; }
  uint16_t u16() { if (!need(2)) return 0; auto v = load_be16(&data_[pos_]); pos_ += 2; return v; }
  uint32_t u24() { if (!need(3)) return 0; auto v = load_be24(&data_[pos_]); pos_ += 3; return v; }
  uint32_t u32() { if (!need(4)) return 0; auto v = load_be32(&data_[pos_]); pos_ += 4; return v; }
  uint64_t u64() { if (!need(8)) return 0; auto v = load_be64(&data_[pos_]); pos_ += 8; return v; }
  Bytes bytes(size_t n) {
    if (!need(n)) return {};
    auto v = data_.subspan(pos_, n);
    pos_ += n;
    return v;
  }
  bool skip(size_t n) { if (!need(n)) return false; pos_ += n; return true; }
  Bytes rest() const { return ok_ ? data_.subspan(pos_) : Bytes{}; }

 private:
  Bytes data_;
  size_t pos_ = 0;
  bool ok_ = true;
};

// Sequential writer into a caller's buffer; overflow marks it failed instead of writing.
class ByteWriter {
 public:
  explicit ByteWriter(MutableBytes out) : out_(out) {}

  bool ok() const { return ok_; }
  size_t size() const { return pos_; }
  size_t remaining() const { return ok_ ? out_.size() - pos_ : 0; }
  MutableBytes written() const { return out_.first(pos_); }
  uint8_t* at(size_t offset) { return out_.data() + offset; }

  bool need(size_t n) {
    if (!ok_ || out_.size() - pos_ < n) ok_ = false;
    return ok_;
  }
  void u8(uint8_t v) { if (need(1)) out_[pos_++] = v; }
  void u16(uint16_t v) { if (need(2)) { store_be16(&out_[pos_], v); pos_ += 2; } }
  void u24(uint32_t v) { if (need(3)) { store_be24(&out_[pos_], v); pos_ += 3; } }
  void u32(uint32_t v) { if (need(4)) { store_be32(&out_[pos_], v); pos_ += 4; } }
  void u64(uint64_t v) { if (need(8)) { store_be64(&out_[pos_], v); pos_ += 8; } }
  void bytes(Bytes b) {
    if (need(b.size()) && !b.empty()) { std::memcpy(&out_[pos_], b.data(), b.size()); pos_ += b.size(); }
  }
  void zeros(size_t n) { if (need(n)) { std::memset(&out_[pos_], 0, n); pos_ += n; } }

 private:
  MutableBytes out_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace umbrella
