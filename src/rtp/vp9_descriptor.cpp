#include "rtp/vp9_descriptor.hpp"

namespace umbrella::rtp {

Result<Vp9Descriptor, ParseError> parse_vp9_descriptor(Bytes p) {
  // |I|P|L|F|B|E|V|Z|, then as flagged: PictureID (M: 15 bits); with L |TID|U|SID|D| and,
  // when not flexible, TL0PICIDX; flexible with P: P_DIFFs (N: another follows); V: the
  // scalability structure.
  size_t n = 1;
  auto have = [&](size_t k) { return p.size() >= n + k; };
  if (p.empty()) return Err{ParseError::kTooShort};
  Vp9Descriptor d;
  uint8_t b = p[0];
  d.has_picture_id = b & 0x80;
  d.inter = b & 0x40;
  d.has_layers = b & 0x20;
  d.flexible = b & 0x10;
  d.begin = b & 0x08;
  d.end = b & 0x04;
  d.has_scalability = b & 0x02;
  d.not_upper_ref = b & 0x01;
  if (d.has_picture_id) {
    if (!have(1)) return Err{ParseError::kTooShort};
    d.picture_id_long = p[n] & 0x80;
    if (d.picture_id_long) {
      if (!have(2)) return Err{ParseError::kTooShort};
      d.picture_id = uint16_t((p[n] & 0x7f) << 8 | p[n + 1]);
      n += 2;
    } else {
      d.picture_id = p[n++] & 0x7f;
    }
  }
  if (d.has_layers) {
    if (!have(d.flexible ? 1 : 2)) return Err{ParseError::kTooShort};
    uint8_t l = p[n++];
    d.temporal = l >> 5;
    d.switch_up = l & 0x10;
    d.spatial = l >> 1 & 7;
    d.inter_layer = l & 0x01;
    if (!d.flexible) {
      d.has_tl0 = true;
      d.tl0_picture_index = p[n++];
    }
  }
  if (d.flexible && d.inter) {
    for (bool more = true; more;) {
      if (!have(1)) return Err{ParseError::kTooShort};
      if (d.reference_count == d.reference_diff.size()) return Err{ParseError::kBadContent};
      uint8_t r = p[n++];
      if ((r >> 1) == 0) return Err{ParseError::kBadContent};  // a picture cannot refer to itself
      d.reference_diff[d.reference_count++] = uint8_t(r >> 1);
      more = r & 1;
    }
  }
  if (d.has_scalability) {
    // |N_S|Y|G|-|-|-|, then Y: width and height per layer, G: N_G and its entries
    // |TID|U|R|-|-| with R P_DIFFs each.
    if (!have(1)) return Err{ParseError::kTooShort};
    uint8_t ss = p[n++];
    Vp9Scalability& s = d.scalability;
    s.spatial_layers = uint8_t((ss >> 5) + 1);
    s.has_sizes = ss & 0x10;
    if (s.has_sizes) {
      if (!have(4u * s.spatial_layers)) return Err{ParseError::kTooShort};
      for (size_t i = 0; i < s.spatial_layers; ++i, n += 4) {
        s.width[i] = uint16_t(p[n] << 8 | p[n + 1]);
        s.height[i] = uint16_t(p[n + 2] << 8 | p[n + 3]);
        if (!s.width[i] || !s.height[i]) return Err{ParseError::kBadContent};
      }
    }
    if (ss & 0x08) {
      if (!have(1)) return Err{ParseError::kTooShort};
      s.group_size = p[n++];
      for (size_t g = 0; g < s.group_size; ++g) {
        if (!have(1)) return Err{ParseError::kTooShort};
        size_t refs = p[n++] >> 2 & 3;
        if (!have(refs)) return Err{ParseError::kTooShort};
        for (size_t r = 0; r < refs; ++r)
          if (p[n++] == 0) return Err{ParseError::kBadContent};
      }
    }
  }
  if (p.size() <= n) return Err{ParseError::kTooShort};  // no VP9 data
  d.size = uint16_t(n);
  return d;
}

size_t write_vp9_descriptor(MutableBytes out, const Vp9Descriptor& d) {
  if (d.temporal > 7 || d.spatial > 7 || (d.flexible && d.inter && d.reference_count == 0) ||
      d.reference_count > d.reference_diff.size() ||
      (d.has_picture_id && d.picture_id > (d.picture_id_long ? 0x7fff : 0x7f)))
    return 0;
  size_t n = 0;
  auto put = [&](uint8_t b) {
    if (n < out.size()) out[n] = b;
    ++n;
  };
  put(uint8_t(d.has_picture_id << 7 | d.inter << 6 | d.has_layers << 5 | d.flexible << 4 | d.begin << 3 |
              d.end << 2 | d.has_scalability << 1 | uint8_t(d.not_upper_ref)));
  if (d.has_picture_id) {
    if (d.picture_id_long) put(uint8_t(0x80 | d.picture_id >> 8));
    put(uint8_t(d.picture_id & (d.picture_id_long ? 0xff : 0x7f)));
  }
  if (d.has_layers) {
    put(uint8_t(d.temporal << 5 | d.switch_up << 4 | d.spatial << 1 | uint8_t(d.inter_layer)));
    if (!d.flexible) put(d.tl0_picture_index);
  }
  if (d.flexible && d.inter) {
    for (size_t i = 0; i < d.reference_count; ++i) {
      uint8_t diff = d.reference_diff[i];
      if (diff == 0 || diff > 0x7f) return 0;
      put(uint8_t(diff << 1 | (i + 1 < d.reference_count)));
    }
  }
  if (d.has_scalability) {
    const Vp9Scalability& ss = d.scalability;
    if (ss.spatial_layers < 1 || ss.spatial_layers > kVp9MaxSpatialLayers) return 0;
    put(uint8_t((ss.spatial_layers - 1) << 5 | ss.has_sizes << 4));
    for (size_t i = 0; ss.has_sizes && i < ss.spatial_layers; ++i) {
      put(uint8_t(ss.width[i] >> 8));
      put(uint8_t(ss.width[i]));
      put(uint8_t(ss.height[i] >> 8));
      put(uint8_t(ss.height[i]));
    }
  }
  return n <= out.size() ? n : 0;
}

}  // namespace umbrella::rtp
