#include "record/payload.hpp"

namespace umbrella::record {

using rtp::ParseError;

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

Result<PayloadView, ParseError> parse_opus(Bytes p) {
  if (p.empty()) return Err{ParseError::kTooShort};
  PayloadView v;
  v.frame_start = true;
  v.keyframe = true;
  v.data = p;
  return v;
}

}  // namespace umbrella::record
