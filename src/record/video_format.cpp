#include "record/video_format.hpp"

namespace umbrella::record {
namespace {

using rtp::ParseError;

// Reads bits most significant first; past the end it reads zeros and remembers it.
class Bits {
 public:
  explicit Bits(Bytes d, size_t skip_bytes = 0) : d_(d), pos_(skip_bytes * 8) {}
  uint32_t f(int n) {
    uint32_t v = 0;
    for (int i = 0; i < n; ++i, ++pos_) {
      if (pos_ >= d_.size() * 8) {
        over_ = true;
        return 0;
      }
      v = v << 1 | (d_[pos_ / 8] >> (7 - pos_ % 8) & 1);
    }
    return v;
  }
  uint32_t ue() {  // Exp-Golomb (H264 9.1); uvlc in AV1 is the same code
    int zeros = 0;
    while (!f(1)) {
      if (++zeros > 31 || over_) {
        over_ = true;
        return 0;
      }
    }
    return uint32_t((uint64_t(1) << zeros) - 1 + f(zeros));
  }
  int32_t se() {
    uint32_t k = ue();
    return k & 1 ? int32_t((k + 1) / 2) : -int32_t(k / 2);
  }
  bool over() const { return over_; }

 private:
  Bytes d_;
  size_t pos_;
  bool over_ = false;
};

Result<VideoFormat, ParseError> size_only(uint32_t w, uint32_t h, bool bad) {
  if (bad || w == 0 || h == 0 || w > 65535 || h > 65535) return Err{ParseError::kBadContent};
  VideoFormat f;
  f.width = uint16_t(w);
  f.height = uint16_t(h);
  return f;
}

Result<VideoFormat, ParseError> vp9_format(Bytes d) {
  // Uncompressed header (VP9 bitstream spec 6.2): marker, profile, show_existing_frame,
  // frame_type, show_frame, error_resilient_mode, sync code, color_config, frame_size.
  Bits b(d);
  if (b.f(2) != 2) return Err{ParseError::kBadContent};
  uint32_t profile = b.f(1);
  profile |= b.f(1) << 1;
  if (profile == 3) b.f(1);
  if (b.f(1) || b.f(1)) return Err{ParseError::kBadContent};  // show_existing_frame, not KEY_FRAME
  b.f(2);
  if (b.f(24) != 0x498342) return Err{ParseError::kBadContent};
  if (profile >= 2) b.f(1);
  if (b.f(3) != 7) {  // not CS_RGB: color_range, then subsampling in profiles 1 and 3
    b.f(1);
    if (profile & 1) b.f(3);
  } else if (profile & 1) {
    b.f(1);
  }
  uint32_t w = b.f(16) + 1, h = b.f(16) + 1;
  return size_only(w, h, b.over());
}

// The first NAL unit of `type` in an AVCC frame.
Bytes find_nal(Bytes d, uint8_t type) {
  for (size_t pos = 0; d.size() - pos >= 5;) {
    size_t len = size_t(d[pos]) << 24 | size_t(d[pos + 1]) << 16 | size_t(d[pos + 2]) << 8 | d[pos + 3];
    pos += 4;
    if (len == 0 || len > d.size() - pos) break;
    if ((d[pos] & 0x1f) == type) return d.subspan(pos, len);
    pos += len;
  }
  return {};
}

Result<VideoFormat, ParseError> h264_format(Bytes frame) {
  Bytes sps = find_nal(frame, 7), pps = find_nal(frame, 8);
  if (sps.size() < 4 || pps.empty() || sps.size() > 0xffff || pps.size() > 0xffff) return Err{ParseError::kBadContent};
  // The SPS without its emulation prevention bytes (00 00 03), then H264 7.3.2.1.1.
  std::vector<uint8_t> rbsp;
  for (size_t i = 0; i < sps.size(); ++i)
    if (!(i >= 2 && sps[i] == 3 && sps[i - 1] == 0 && sps[i - 2] == 0)) rbsp.push_back(sps[i]);
  Bits b(rbsp, 4);
  uint8_t profile = sps[1];
  b.ue();  // seq_parameter_set_id
  uint32_t chroma = 1;
  if (profile == 100 || profile == 110 || profile == 122 || profile == 244 || profile == 44 || profile == 83 ||
      profile == 86 || profile == 118 || profile == 128 || profile == 138 || profile == 139 || profile == 134 ||
      profile == 135) {
    chroma = b.ue();
    if (chroma == 3) b.f(1);
    b.ue();
    b.ue();
    b.f(1);
    if (b.f(1)) {  // seq_scaling_matrix_present_flag: skip the lists
      for (int i = 0; i < (chroma != 3 ? 8 : 12); ++i) {
        if (!b.f(1)) continue;
        int last = 8, next = 8;
        for (int j = 0; j < (i < 6 ? 16 : 64) && next != 0 && !b.over(); ++j) {
          next = (last + b.se() + 256) % 256;
          last = next ? next : last;
        }
      }
    }
  }
  b.ue();  // log2_max_frame_num_minus4
  uint32_t poc = b.ue();
  if (poc == 0) {
    b.ue();
  } else if (poc == 1) {
    b.f(1);
    b.se();
    b.se();
    for (uint32_t n = b.ue(); n > 0 && !b.over(); --n) b.se();
  }
  b.ue();  // max_num_ref_frames
  b.f(1);
  uint64_t w = uint64_t(b.ue()) + 1, h = uint64_t(b.ue()) + 1;
  uint32_t frame_mbs_only = b.f(1);
  if (!frame_mbs_only) b.f(1);
  b.f(1);
  uint64_t crop[4] = {0, 0, 0, 0};
  if (b.f(1))
    for (auto& c : crop) c = b.ue();
  uint64_t cx = (chroma == 1 || chroma == 2) ? 2 : 1, cy = (chroma == 1 ? 2 : 1) * (2 - frame_mbs_only);
  uint64_t width = w * 16, height = h * 16 * (2 - frame_mbs_only);
  uint64_t dx = (crop[0] + crop[1]) * cx, dy = (crop[2] + crop[3]) * cy;
  if (dx >= width || dy >= height) return Err{ParseError::kBadContent};
  auto f = size_only(uint32_t(std::min<uint64_t>(width - dx, 1 << 20)), uint32_t(std::min<uint64_t>(height - dy, 1 << 20)),
                     b.over());
  if (!f) return f;
  // avcC: version, profile, compatibility, level, 4-byte lengths, one SPS, one PPS.
  auto& c = f->codec_private;
  c = {1, sps[1], sps[2], sps[3], 0xff, 0xe1, uint8_t(sps.size() >> 8), uint8_t(sps.size())};
  c.insert(c.end(), sps.begin(), sps.end());
  c.insert(c.end(), {1, uint8_t(pps.size() >> 8), uint8_t(pps.size())});
  c.insert(c.end(), pps.begin(), pps.end());
  return f;
}

Result<VideoFormat, ParseError> av1_format(Bytes tu) {
  // The sequence header OBU (type 1) among the temporal unit's OBUs, which all have sizes.
  Bytes obu, body;
  for (size_t pos = 0; pos < tu.size() && obu.empty();) {
    size_t start = pos;
    uint8_t h = tu[pos++];
    if (!(h & 0x02)) return Err{ParseError::kBadContent};
    if (h & 0x04) ++pos;
    uint64_t size;
    if (!read_leb128(tu, pos, size) || size > tu.size() - pos) return Err{ParseError::kBadLength};
    if ((h >> 3 & 0x0f) == 1) {
      obu = tu.subspan(start, pos + size_t(size) - start);
      body = tu.subspan(pos, size_t(size));
    }
    pos += size_t(size);
  }
  if (obu.empty()) return Err{ParseError::kBadContent};
  // sequence_header_obu (AV1 spec 5.5) as far as the colour configuration.
  Bits b(body);
  uint32_t profile = b.f(3);
  b.f(1);
  uint32_t reduced = b.f(1), level = 0, tier = 0;
  if (reduced) {
    level = b.f(5);
  } else {
    uint32_t decoder_model = 0, delay_bits = 0;
    if (b.f(1)) {  // timing_info_present_flag
      b.f(32);
      b.f(32);
      if (b.f(1)) b.ue();
      decoder_model = b.f(1);
      if (decoder_model) {
        delay_bits = b.f(5) + 1;
        b.f(32);
        b.f(10);
      }
    }
    uint32_t display_delay = b.f(1);
    uint32_t points = b.f(5) + 1;
    for (uint32_t i = 0; i < points; ++i) {
      b.f(12);
      uint32_t l = b.f(5), t = l > 7 ? b.f(1) : 0;
      if (i == 0) level = l, tier = t;
      if (decoder_model && b.f(1)) b.f(int(2 * delay_bits + 1));
      if (display_delay && b.f(1)) b.f(4);
    }
  }
  int wbits = int(b.f(4)) + 1, hbits = int(b.f(4)) + 1;
  uint32_t w = b.f(wbits) + 1, h = b.f(hbits) + 1;
  if (!reduced && b.f(1)) b.f(7);  // frame_id_numbers_present_flag: the id lengths
  b.f(3);                          // 128x128, filter intra, intra edge
  if (!reduced) {
    b.f(4);  // interintra, masked compound, warped motion, dual filter
    uint32_t order_hint = b.f(1);
    if (order_hint) b.f(2);
    uint32_t screen = b.f(1) ? 2 : b.f(1);
    if (screen && !b.f(1)) b.f(1);  // seq_choose_integer_mv, seq_force_integer_mv
    if (order_hint) b.f(3);
  }
  b.f(3);  // superres, cdef, restoration
  // color_config (5.5.2)
  uint32_t high = b.f(1), twelve = profile == 2 && high ? b.f(1) : 0;
  uint32_t mono = profile == 1 ? 0 : b.f(1);
  uint32_t cp = 2, tc = 2, mc = 2;
  if (b.f(1)) cp = b.f(8), tc = b.f(8), mc = b.f(8);
  uint32_t sx = 1, sy = 1, position = 0;
  if (!mono && !(cp == 1 && tc == 13 && mc == 0)) {
    b.f(1);  // color_range
    if (profile == 1) {
      sx = sy = 0;
    } else if (profile == 2) {
      sx = twelve ? b.f(1) : 1;
      sy = twelve && sx ? b.f(1) : 0;
    }
    if (sx && sy) position = b.f(2);
  } else if (!mono) {
    sx = sy = 0;
  }
  auto f = size_only(w, h, b.over());
  if (!f) return f;
  // av1C (AV1 Codec ISO Media File Format Binding 2.3.3): marker and version, then the
  // fields above, no initial presentation delay, then the sequence header OBU itself.
  f->codec_private = {0x81, uint8_t(profile << 5 | level),
                      uint8_t(tier << 7 | high << 6 | twelve << 5 | mono << 4 | sx << 3 | sy << 2 | position), 0};
  f->codec_private.insert(f->codec_private.end(), obu.begin(), obu.end());
  return f;
}

}  // namespace

Result<VideoFormat, ParseError> video_format(Codec codec, Bytes d) {
  switch (codec) {
    case Codec::kVp8: {
      // Key frame tag (3 bytes), start code, 14-bit width and height (RFC 6386 9.1).
      if (d.size() < 10 || (d[0] & 1) || d[3] != 0x9d || d[4] != 0x01 || d[5] != 0x2a)
        return Err{ParseError::kBadContent};
      return size_only((d[6] | d[7] << 8) & 0x3fff, (d[8] | d[9] << 8) & 0x3fff, false);
    }
    case Codec::kVp9: return vp9_format(d);
    case Codec::kH264: return h264_format(d);
    case Codec::kAv1: return av1_format(d);
    case Codec::kOpus: break;
  }
  return Err{ParseError::kWrongType};
}

const char* codec_id(Codec codec) {
  switch (codec) {
    case Codec::kVp8: return "V_VP8";
    case Codec::kVp9: return "V_VP9";
    case Codec::kH264: return "V_MPEG4/ISO/AVC";
    case Codec::kAv1: return "V_AV1";
    case Codec::kOpus: break;
  }
  return "A_OPUS";
}

}  // namespace umbrella::record
