#include "http/gunzip.hpp"

#include <array>

namespace umbrella::http {
namespace {

// LSB-first bit reader (RFC 1951 3.1.1); reading past the end fails the stream.
class Bits {
 public:
  explicit Bits(Bytes data) : data_(data) {}
  bool ok() const { return ok_; }
  uint32_t take(int n) {
    while (count_ < n) {
      if (pos_ >= data_.size()) {
        ok_ = false;
        return 0;
      }
      buffer_ |= uint32_t(data_[pos_++]) << count_;
      count_ += 8;
    }
    uint32_t v = buffer_ & ((1u << n) - 1);
    buffer_ >>= n;
    count_ -= n;
    return v;
  }
  // To the next byte boundary: whole bytes still in the buffer are given back.
  void align() {
    pos_ -= size_t(count_ / 8);
    buffer_ = 0;
    count_ = 0;
  }
  size_t position() const { return pos_; }
  void skip(size_t n) { pos_ += n; }

 private:
  Bytes data_;
  size_t pos_ = 0;
  uint32_t buffer_ = 0;
  int count_ = 0;
  bool ok_ = true;
};

// A canonical Huffman code (RFC 1951 3.2.2) as counts per length and symbols in code order.
struct Huffman {
  std::array<uint16_t, 16> counts{};
  std::array<uint16_t, 288> symbols{};

  // False for an over-subscribed code.
  bool build(const uint8_t* lengths, size_t n) {
    counts.fill(0);
    for (size_t i = 0; i < n; ++i) ++counts[lengths[i]];
    counts[0] = 0;
    int left = 1;
    for (int len = 1; len < 16; ++len) {
      left = left * 2 - counts[len];
      if (left < 0) return false;
    }
    std::array<uint16_t, 16> offsets{};
    for (int len = 1; len < 15; ++len) offsets[len + 1] = uint16_t(offsets[len] + counts[len]);
    for (size_t i = 0; i < n; ++i)
      if (lengths[i]) symbols[offsets[lengths[i]]++] = uint16_t(i);
    return true;
  }

  // One symbol, or -1.
  int decode(Bits& bits) const {
    int code = 0, first = 0, index = 0;
    for (int len = 1; len < 16; ++len) {
      code |= int(bits.take(1));
      if (!bits.ok()) return -1;
      int count = counts[len];
      if (code - first < count) return symbols[index + code - first];
      index += count;
      first = (first + count) << 1;
      code <<= 1;
    }
    return -1;
  }
};

constexpr uint16_t kLengthBase[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                      31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
constexpr uint8_t kLengthExtra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
constexpr uint16_t kDistanceBase[30] = {1,   2,   3,   4,   5,   7,    9,    13,   17,   25,   33,   49,   65,    97,    129,
                                        193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
constexpr uint8_t kDistanceExtra[30] = {0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

bool inflate_codes(Bits& bits, const Huffman& lit, const Huffman& dist, std::vector<uint8_t>& out, size_t max_size) {
  for (;;) {
    int sym = lit.decode(bits);
    if (sym < 0) return false;
    if (sym < 256) {
      if (out.size() >= max_size) return false;
      out.push_back(uint8_t(sym));
      continue;
    }
    if (sym == 256) return true;
    sym -= 257;
    if (sym >= 29) return false;
    size_t length = kLengthBase[sym] + bits.take(kLengthExtra[sym]);
    int d = dist.decode(bits);
    if (d < 0 || d >= 30) return false;
    size_t distance = kDistanceBase[d] + bits.take(kDistanceExtra[d]);
    if (!bits.ok() || distance > out.size() || out.size() + length > max_size) return false;
    for (size_t i = 0; i < length; ++i) out.push_back(out[out.size() - distance]);
  }
}

bool inflate_fixed(Bits& bits, std::vector<uint8_t>& out, size_t max_size) {
  uint8_t lengths[288 + 30];
  for (int i = 0; i < 144; ++i) lengths[i] = 8;
  for (int i = 144; i < 256; ++i) lengths[i] = 9;
  for (int i = 256; i < 280; ++i) lengths[i] = 7;
  for (int i = 280; i < 288; ++i) lengths[i] = 8;
  for (int i = 0; i < 30; ++i) lengths[288 + i] = 5;
  Huffman lit, dist;
  return lit.build(lengths, 288) && dist.build(lengths + 288, 30) && inflate_codes(bits, lit, dist, out, max_size);
}

bool inflate_dynamic(Bits& bits, std::vector<uint8_t>& out, size_t max_size) {
  size_t nlen = bits.take(5) + 257, ndist = bits.take(5) + 1, ncode = bits.take(4) + 4;
  if (!bits.ok() || nlen > 286 || ndist > 30) return false;
  static constexpr uint8_t kOrder[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};
  uint8_t lengths[286 + 30] = {};
  for (size_t i = 0; i < ncode; ++i) lengths[kOrder[i]] = uint8_t(bits.take(3));
  Huffman code;
  if (!bits.ok() || !code.build(lengths, 19)) return false;
  for (size_t i = 0; i < nlen + ndist;) {
    int sym = code.decode(bits);
    if (sym < 0) return false;
    if (sym < 16) {
      lengths[i++] = uint8_t(sym);
      continue;
    }
    uint8_t value = 0;
    size_t repeat;
    if (sym == 16) {
      if (i == 0) return false;
      value = lengths[i - 1];
      repeat = 3 + bits.take(2);
    } else if (sym == 17) {
      repeat = 3 + bits.take(3);
    } else {
      repeat = 11 + bits.take(7);
    }
    if (!bits.ok() || i + repeat > nlen + ndist) return false;
    while (repeat--) lengths[i++] = value;
  }
  if (lengths[256] == 0) return false;  // no end-of-block code
  Huffman lit, dist;
  return lit.build(lengths, nlen) && dist.build(lengths + nlen, ndist) && inflate_codes(bits, lit, dist, out, max_size);
}

uint32_t crc32(const std::vector<uint8_t>& data) {
  uint32_t crc = 0xFFFFFFFF;
  for (uint8_t b : data) {
    crc ^= b;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
  }
  return ~crc;
}

}  // namespace

std::optional<std::vector<uint8_t>> gunzip(Bytes gz, size_t max_size) {
  // Header (RFC 1952 2.3): magic, CM=8 (deflate), flags, mtime, XFL, OS, then the optional fields.
  if (gz.size() < 18 || gz[0] != 0x1f || gz[1] != 0x8b || gz[2] != 8 || (gz[3] & 0xE0)) return std::nullopt;
  uint8_t flags = gz[3];
  size_t pos = 10;
  if (flags & 4) {  // FEXTRA
    if (pos + 2 > gz.size()) return std::nullopt;
    pos += 2 + (size_t(gz[pos]) | size_t(gz[pos + 1]) << 8);
  }
  for (uint8_t zero_terminated : {uint8_t(8), uint8_t(16)})  // FNAME, FCOMMENT
    if (flags & zero_terminated) {
      while (pos < gz.size() && gz[pos] != 0) ++pos;
      ++pos;
    }
  if (flags & 2) pos += 2;  // FHCRC
  if (pos + 8 > gz.size()) return std::nullopt;

  Bits bits(gz.subspan(pos, gz.size() - 8 - pos));
  std::vector<uint8_t> out;
  for (bool last = false; !last;) {
    last = bits.take(1);
    uint32_t type = bits.take(2);
    if (!bits.ok()) return std::nullopt;
    bool ok = false;
    if (type == 0) {  // stored: LEN, NLEN, then LEN raw bytes from the next byte boundary
      bits.align();
      size_t at = pos + bits.position();
      if (at + 4 > gz.size() - 8) return std::nullopt;
      uint16_t len = uint16_t(gz[at] | gz[at + 1] << 8), nlen = uint16_t(gz[at + 2] | gz[at + 3] << 8);
      if (uint16_t(~nlen) != len || at + 4 + len > gz.size() - 8 || out.size() + len > max_size) return std::nullopt;
      out.insert(out.end(), gz.begin() + long(at + 4), gz.begin() + long(at + 4 + len));
      bits.skip(4 + len);
      ok = true;
    } else if (type == 1) {
      ok = inflate_fixed(bits, out, max_size);
    } else if (type == 2) {
      ok = inflate_dynamic(bits, out, max_size);
    }
    if (!ok) return std::nullopt;
  }
  const uint8_t* trailer = gz.data() + gz.size() - 8;
  uint32_t crc = uint32_t(trailer[0]) | uint32_t(trailer[1]) << 8 | uint32_t(trailer[2]) << 16 | uint32_t(trailer[3]) << 24;
  uint32_t isize = uint32_t(trailer[4]) | uint32_t(trailer[5]) << 8 | uint32_t(trailer[6]) << 16 | uint32_t(trailer[7]) << 24;
  if (isize != uint32_t(out.size()) || crc != crc32(out)) return std::nullopt;
  return out;
}

}  // namespace umbrella::http
