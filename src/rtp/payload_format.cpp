#include "rtp/payload_format.hpp"

#include <algorithm>
#include <utility>

#include "rtp/vp9_descriptor.hpp"

namespace umbrella::rtp {

Result<PayloadView, ParseError> parse_vp8(Bytes p) {
  // |X|R|N|S|R| PID |, then with X: |I|L|T|K| RSV |, then PictureID (7 or 15 bits),
  // TL0PICIDX, and |TID|Y|KEYIDX| as flagged.
  size_t n = 1;
  if (p.size() < n) return Err{ParseError::kTooShort};
  bool x = p[0] & 0x80;
  bool start = p[0] & 0x10;
  uint8_t partition = p[0] & 0x07;
  if (x) {
    if (p.size() < n + 1) return Err{ParseError::kTooShort};
    uint8_t flags = p[n++];
    if (flags & 0x80) {  // I: picture id, M bit says 15 bits
      if (p.size() < n + 1) return Err{ParseError::kTooShort};
      n += (p[n] & 0x80) ? 2 : 1;
    }
    if (flags & 0x40) ++n;           // L: TL0PICIDX
    if (flags & 0x30) ++n;           // T or K: TID/Y/KEYIDX
  }
  if (p.size() <= n) return Err{ParseError::kTooShort};  // a packet without VP8 bytes
  PayloadView v;
  v.data = p.subspan(n);
  v.frame_start = start && partition == 0;
  // Frame tag: bit 0 of the first byte is 0 for a key frame, whose 3-byte tag is followed by
  // the start code 9d 01 2a and 14-bit width and height (little endian, 2 bits of scaling).
  if (v.frame_start && (v.data[0] & 0x01) == 0) {
    if (v.data.size() < 10) return Err{ParseError::kTooShort};
    if (v.data[3] != 0x9d || v.data[4] != 0x01 || v.data[5] != 0x2a) return Err{ParseError::kBadContent};
    v.keyframe = true;
    v.width = uint16_t((v.data[6] | v.data[7] << 8) & 0x3fff);
    v.height = uint16_t((v.data[8] | v.data[9] << 8) & 0x3fff);
    if (v.width == 0 || v.height == 0) return Err{ParseError::kBadContent};
  }
  return v;
}

Result<PayloadView, ParseError> parse_vp9(Bytes p) {
  auto d = parse_vp9_descriptor(p);
  if (!d) return Err{d.error()};
  PayloadView v;
  v.data = p.subspan(d->size);
  v.frame_start = v.unit_start = d->begin;
  v.unit_end = d->end;
  // Uncompressed header: frame_marker 2, profile (low, high bit), a reserved bit in profile
  // 3, show_existing_frame, frame_type (0: KEY_FRAME).
  uint8_t h = v.data[0];
  int bit = (h >> 4 & 3) == 3 ? 2 : 3;
  v.keyframe = v.frame_start && !d->inter && (h >> 6) == 2 && !(h >> bit & 1) && !(h >> (bit - 1) & 1);
  return v;
}

Result<PayloadView, ParseError> parse_h264(Bytes p) {
  if (p.size() < 2) return Err{ParseError::kTooShort};
  if (p[0] & 0x80) return Err{ParseError::kBadContent};  // forbidden_zero_bit
  PayloadView v;
  v.header = p[0] & 0x1f;
  v.frame_start = true;
  if (v.header >= 1 && v.header <= 23) {
    v.data = p;
    v.keyframe = v.header == 5;
  } else if (v.header == 24) {  // STAP-A: [16-bit size][NAL unit]...
    v.data = p.subspan(1);
    UnitIterator it(v.data);
    Bytes nal;
    bool error = false;
    while (it.next(nal, error))
      if ((nal[0] & 0x1f) == 5) v.keyframe = true;
    if (error || it.count() == 0) return Err{ParseError::kBadLength};
  } else if (v.header == 28) {  // FU-A: indicator, |S|E|R|Type|, fragment
    if (p.size() < 3) return Err{ParseError::kTooShort};
    uint8_t type = p[1] & 0x1f;
    v.unit_start = p[1] & 0x80;
    v.unit_end = p[1] & 0x40;
    if (type == 0 || type > 23 || (v.unit_start && v.unit_end)) return Err{ParseError::kBadContent};
    v.nal_header = uint8_t((p[0] & 0xe0) | type);
    v.frame_start = v.unit_start;
    v.keyframe = v.unit_start && type == 5;
    v.data = p.subspan(2);
  } else {  // STAP-B, MTAP, FU-B: interleaved mode, which is never negotiated
    return Err{ParseError::kBadContent};
  }
  return v;
}

Result<PayloadView, ParseError> parse_av1(Bytes p) {
  // |Z|Y|W|W|N|-|-|-| then OBU elements (RTP specification for AV1, section 4.4).
  if (p.size() < 2) return Err{ParseError::kTooShort};
  PayloadView v;
  v.header = p[0];
  v.unit_start = !(p[0] & 0x80);
  v.unit_end = !(p[0] & 0x40);
  v.frame_start = v.unit_start;
  v.keyframe = p[0] & 0x08;
  if (v.keyframe && !v.unit_start) return Err{ParseError::kBadContent};  // N only on a sequence's first packet
  v.data = p.subspan(1);
  UnitIterator it(v.data, v.header, true);
  Bytes element;
  bool error = false;
  while (it.next(element, error)) {
  }
  uint8_t w = v.header >> 4 & 3;
  if (error || it.count() == 0 || (w && it.count() != w)) return Err{ParseError::kBadLength};
  return v;
}

bool read_leb128(Bytes d, size_t& pos, uint64_t& value) {
  value = 0;
  for (int i = 0; i < 8; ++i) {
    if (pos >= d.size()) return false;
    uint8_t b = d[pos++];
    value |= uint64_t(b & 0x7f) << (7 * i);
    if (!(b & 0x80)) return true;
  }
  return false;
}

bool UnitIterator::next(Bytes& unit, bool& error) {
  if (pos_ >= data_.size()) return false;
  uint64_t len;
  if (av1_ && w_ != 0 && index_ + 1 == w_) {  // the last of W elements: the rest of the packet
    len = data_.size() - pos_;
  } else if (av1_) {
    if (!read_leb128(data_, pos_, len)) return error = true, false;
  } else {
    if (data_.size() - pos_ < 2) return error = true, false;
    len = uint64_t(data_[pos_] << 8 | data_[pos_ + 1]);
    pos_ += 2;
  }
  if (len == 0 || len > data_.size() - pos_) return error = true, false;
  unit = data_.subspan(pos_, size_t(len));
  pos_ += size_t(len);
  ++index_;
  return true;
}

Result<PayloadView, ParseError> parse_payload(Codec codec, Bytes payload) {
  switch (codec) {
    case Codec::kVp8: return parse_vp8(payload);
    case Codec::kVp9: return parse_vp9(payload);
    case Codec::kH264: return parse_h264(payload);
    case Codec::kAv1: return parse_av1(payload);
    case Codec::kOpus: break;
  }
  return parse_opus(payload);
}

Result<PayloadView, ParseError> parse_opus(Bytes p) {
  if (p.empty()) return Err{ParseError::kTooShort};
  PayloadView v;
  v.frame_start = true;
  v.keyframe = true;
  v.data = p;
  return v;
}

std::optional<Codec> codec_named(std::string_view name) {
  static constexpr std::pair<std::string_view, Codec> kNames[] = {
      {"VP8", Codec::kVp8}, {"VP9", Codec::kVp9}, {"H264", Codec::kH264}, {"AV1", Codec::kAv1}, {"opus", Codec::kOpus}};
  auto upper = [](char c) { return c >= 'a' && c <= 'z' ? char(c - 32) : c; };
  for (auto [n, codec] : kNames)
    if (n.size() == name.size() && std::equal(n.begin(), n.end(), name.begin(), [&](char a, char b) { return upper(a) == upper(b); }))
      return codec;
  return std::nullopt;
}

}  // namespace umbrella::rtp
