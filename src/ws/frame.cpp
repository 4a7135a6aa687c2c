#include "ws/frame.hpp"

#include <algorithm>

namespace umbrella::ws {

void apply_mask(MutableBytes data, const MaskKey& key, uint64_t offset) {
  size_t k = size_t(offset & 3);
  for (auto& b : data) {
    b ^= key[k];
    k = (k + 1) & 3;
  }
}

size_t encode_frame_header(const FrameHeader& h, std::array<uint8_t, kMaxFrameHeaderSize>& out) {
  size_t n = 0;
  out[n++] = uint8_t((h.fin ? 0x80 : 0) | (h.rsv & 0x7) << 4 | (uint8_t(h.opcode) & 0xF));
  uint8_t mask_bit = h.masked ? 0x80 : 0;
  if (h.payload_length <= 125) {
    out[n++] = uint8_t(mask_bit | h.payload_length);
  } else if (h.payload_length <= 0xFFFF) {
    out[n++] = uint8_t(mask_bit | 126);
    store_be16(&out[n], uint16_t(h.payload_length));
    n += 2;
  } else {
    out[n++] = uint8_t(mask_bit | 127);
    store_be64(&out[n], h.payload_length);
    n += 8;
  }
  if (h.masked) {
    std::copy(h.mask.begin(), h.mask.end(), out.begin() + n);
    n += 4;
  }
  return n;
}

void encode_frame(Opcode opcode, Bytes payload, bool fin, std::optional<MaskKey> mask, std::string& out) {
  FrameHeader h;
  h.fin = fin;
  h.opcode = opcode;
  h.masked = mask.has_value();
  if (mask) h.mask = *mask;
  h.payload_length = payload.size();
  std::array<uint8_t, kMaxFrameHeaderSize> head;
  size_t head_size = encode_frame_header(h, head);
  size_t start = out.size();
  out.append(reinterpret_cast<const char*>(head.data()), head_size);
  out.append(reinterpret_cast<const char*>(payload.data()), payload.size());
  if (mask) {
    auto* p = reinterpret_cast<uint8_t*>(out.data()) + start + head_size;
    apply_mask(MutableBytes(p, payload.size()), *mask);
  }
}

// Header size from the first two bytes.
size_t FrameParser::header_size() const {
  uint8_t len7 = buf_[1] & 0x7F;
  size_t n = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0);
  return n + ((buf_[1] & 0x80) ? 4 : 0);
}

// Checks that need only the first two bytes, so bad frames fail before their length is read.
const char* FrameParser::check_first_bytes() const {
  uint8_t op = buf_[0] & 0x0F;
  bool fin = buf_[0] & 0x80;
  if (buf_[0] & 0x70) return "reserved bits set";
  if (!(op <= 0x2 || (op >= 0x8 && op <= 0xA))) return "reserved opcode";
  if (op >= 0x8) {
    if (!fin) return "fragmented control frame";
    if ((buf_[1] & 0x7F) > kMaxControlPayload) return "control frame too long";
  }
  return nullptr;
}

FrameParser::Piece FrameParser::next(Bytes in) {
  Piece piece;
  if (failed_) {
    piece.kind = Kind::kError;
    piece.error = "parser failed";
    return piece;
  }
  if (in_payload_) {
    uint64_t left = header_.payload_length - payload_pos_;
    size_t take = size_t(std::min<uint64_t>(left, in.size()));
    piece.kind = Kind::kPayload;
    piece.consumed = take;
    piece.data = in.first(take);
    piece.offset = payload_pos_;
    payload_pos_ += take;
    piece.frame_end = payload_pos_ == header_.payload_length;
    if (piece.frame_end) in_payload_ = false;
    return piece;
  }
  // Header: buffer up to its full size, which is known after two bytes.
  size_t used = 0;
  while (used < in.size()) {
    size_t want = have_ < 2 ? 2 : header_size();
    if (have_ >= want) break;
    buf_[have_++] = in[used++];
    if (have_ == 2) {
      if (const char* err = check_first_bytes()) {
        failed_ = true;
        piece.kind = Kind::kError;
        piece.consumed = used;
        piece.error = err;
        return piece;
      }
    }
  }
  piece.consumed = used;
  if (have_ < 2 || have_ < header_size()) {
    piece.kind = Kind::kNeedMore;
    return piece;
  }
  ByteReader r(Bytes(buf_.data(), have_));
  uint8_t b0 = r.u8(), b1 = r.u8();
  header_.fin = b0 & 0x80;
  header_.rsv = (b0 >> 4) & 0x7;
  header_.opcode = Opcode(b0 & 0x0F);
  header_.masked = b1 & 0x80;
  uint8_t len7 = b1 & 0x7F;
  header_.payload_length = len7 == 126 ? r.u16() : len7 == 127 ? r.u64() : len7;
  if (header_.masked) {
    Bytes key = r.bytes(4);
    std::copy(key.begin(), key.end(), header_.mask.begin());
  } else {
    header_.mask = {};
  }
  have_ = 0;
  if (header_.payload_length >> 63) {
    failed_ = true;
    piece.kind = Kind::kError;
    piece.error = "payload length has the top bit set";
    return piece;
  }
  payload_pos_ = 0;
  in_payload_ = header_.payload_length > 0;
  piece.kind = Kind::kHeader;
  piece.frame_end = !in_payload_;
  return piece;
}

}  // namespace umbrella::ws
