#include "rtp/dependency_descriptor.hpp"

#include <algorithm>
#include <cstring>
#include <optional>

namespace umbrella::rtp {
namespace {

// MSB-first bit reader; a read past the end sets `short_` and returns 0, checked once per
// field group by the caller (so no read ever touches memory outside the data).
class BitReader {
 public:
  explicit BitReader(Bytes data) : data_(data) {}
  uint32_t f(size_t n) {
    uint32_t v = 0;
    for (size_t i = 0; i < n; ++i) {
      if (pos_ >= data_.size() * 8) {
        short_ = true;
        return 0;
      }
      v = v << 1 | ((data_[pos_ / 8] >> (7 - pos_ % 8)) & 1u);
      ++pos_;
    }
    return v;
  }
  // ns(n): a value below n in the fewest bits (spec 4.10.10 of AV1, used by the descriptor).
  uint32_t ns(uint32_t n) {
    size_t w = 0;
    for (uint32_t x = n; x != 0; x >>= 1) ++w;
    uint32_t m = (1u << w) - n;
    uint32_t v = f(w - 1);
    if (v < m) return v;
    return (v << 1) - m + f(1);
  }
  bool short_read() const { return short_; }

 private:
  Bytes data_;
  size_t pos_ = 0;
  bool short_ = false;
};

class BitWriter {
 public:
  explicit BitWriter(MutableBytes out) : out_(out) { std::memset(out.data(), 0, out.size()); }
  void f(uint32_t v, size_t n) {
    for (size_t i = n; i-- > 0;) {
      if (pos_ >= out_.size() * 8) {
        full_ = true;
        return;
      }
      if ((v >> i) & 1u) out_[pos_ / 8] |= uint8_t(0x80 >> (pos_ % 8));
      ++pos_;
    }
  }
  void ns(uint32_t v, uint32_t n) {
    size_t w = 0;
    for (uint32_t x = n; x != 0; x >>= 1) ++w;
    uint32_t m = (1u << w) - n;
    if (v < m) {
      f(v, w - 1);
    } else {
      f((v + m) >> 1, w - 1);
      f((v + m) & 1u, 1);
    }
  }
  bool full() const { return full_; }
  size_t bytes() const { return (pos_ + 7) / 8; }

 private:
  MutableBytes out_;
  size_t pos_ = 0;
  bool full_ = false;
};

using Parsed = Result<DependencyDescriptor, ParseError>;

// template_layers(): templates come in layer order, each step the same layer (0), the next
// temporal layer (1), the next spatial layer from temporal 0 (2), or the end (3).
bool read_layers(BitReader& r, DdStructure& s) {
  uint8_t spatial = 0, temporal = 0;
  s.templates = 0;
  s.max_temporal = 0;
  uint32_t idc = 0;
  do {
    if (s.templates >= kDdMaxTemplates) return false;
    s.templ[s.templates] = DdTemplate{};
    s.templ[s.templates].spatial = spatial;
    s.templ[s.templates].temporal = temporal;
    ++s.templates;
    idc = r.f(2);
    if (idc == 1) {
      if (++temporal >= kDdMaxTemporal) return false;
      s.max_temporal = std::max(s.max_temporal, temporal);
    } else if (idc == 2) {
      temporal = 0;
      if (++spatial >= kDdMaxSpatial) return false;
    }
  } while (idc != 3 && !r.short_read());
  s.max_spatial = spatial;
  return true;
}

// template_dependency_structure() into s; false when it does not fit our bounds or the data.
std::optional<ParseError> read_structure(BitReader& r, DdStructure& s) {
  s.template_id_offset = uint8_t(r.f(6));
  s.decode_targets = uint8_t(r.f(5) + 1);
  if (!read_layers(r, s)) return ParseError::kBadContent;
  for (size_t t = 0; t < s.templates; ++t)
    for (size_t dt = 0; dt < s.decode_targets; ++dt) s.templ[t].dtis |= uint64_t(r.f(2)) << (2 * dt);
  for (size_t t = 0; t < s.templates; ++t) {
    DdTemplate& tp = s.templ[t];
    while (r.f(1) && !r.short_read()) {
      if (tp.fdiff_count >= kDdMaxFdiffs) return ParseError::kBadContent;
      tp.fdiffs[tp.fdiff_count++] = uint8_t(r.f(4) + 1);
    }
  }
  s.chains = uint8_t(r.ns(s.decode_targets + 1u));
  if (s.chains > 0) {
    for (size_t dt = 0; dt < s.decode_targets; ++dt) s.protected_by[dt] = uint8_t(r.ns(s.chains));
    for (size_t t = 0; t < s.templates; ++t)
      for (size_t c = 0; c < s.chains; ++c) s.templ[t].chain_fdiffs[c] = uint8_t(r.f(4));
  }
  for (size_t dt = 0; dt < s.decode_targets; ++dt) {
    s.dt_spatial[dt] = s.dt_temporal[dt] = 0;
    for (size_t t = 0; t < s.templates; ++t) {
      if (s.templ[t].dti(dt) == Dti::kNotPresent) continue;
      s.dt_spatial[dt] = std::max(s.dt_spatial[dt], s.templ[t].spatial);
      s.dt_temporal[dt] = std::max(s.dt_temporal[dt], s.templ[t].temporal);
    }
  }
  s.has_resolutions = r.f(1) != 0;
  if (s.has_resolutions)
    for (size_t i = 0; i <= s.max_spatial; ++i) {
      s.width[i] = r.f(16) + 1;
      s.height[i] = r.f(16) + 1;
    }
  if (r.short_read()) return ParseError::kTooShort;
  return std::nullopt;
}

}  // namespace

int DdStructure::decode_target(uint8_t spatial, uint8_t temporal) const {
  for (size_t dt = 0; dt < decode_targets; ++dt)
    if (dt_spatial[dt] == spatial && dt_temporal[dt] == temporal) return int(dt);
  return -1;
}

Parsed parse_dependency_descriptor(Bytes data, const DdStructure* current, DdStructure& next) {
  if (data.size() < 3) return Err(ParseError::kTooShort);
  BitReader r(data);
  DependencyDescriptor d;
  d.start = r.f(1) != 0;
  d.end = r.f(1) != 0;
  d.template_id = uint8_t(r.f(6));
  d.frame_number = uint16_t(r.f(16));
  const DdStructure* s = current;
  if (data.size() > 3) {
    d.attached_structure = r.f(1) != 0;
    d.has_active_targets = r.f(1) != 0;
    d.custom_dtis = r.f(1) != 0;
    d.custom_fdiffs = r.f(1) != 0;
    d.custom_chains = r.f(1) != 0;
    if (d.attached_structure) {
      next = DdStructure{};
      if (auto e = read_structure(r, next)) return Err(*e);
      s = &next;
    }
    if (!s) return Err(ParseError::kBadContent);
    if (d.attached_structure)  // a new structure starts with every decode target active
      d.active_targets = s->decode_targets == 32 ? 0xffffffffu : (1u << s->decode_targets) - 1;
    if (d.has_active_targets) d.active_targets = r.f(s->decode_targets);
  }
  if (!s) return Err(ParseError::kBadContent);  // nothing to read the template id with
  size_t index = (size_t(d.template_id) + kDdMaxTemplates - s->template_id_offset) % kDdMaxTemplates;
  if (index >= s->templates) return Err(ParseError::kBadContent);
  const DdTemplate& t = s->templ[index];
  d.spatial = t.spatial;
  d.temporal = t.temporal;
  d.dtis = t.dtis;
  if (d.custom_dtis) {
    d.dtis = 0;
    for (size_t dt = 0; dt < s->decode_targets; ++dt) d.dtis |= uint64_t(r.f(2)) << (2 * dt);
  }
  if (d.custom_fdiffs) {
    for (uint32_t size = r.f(2); size != 0 && !r.short_read(); size = r.f(2)) {
      if (d.fdiff_count >= kDdMaxFdiffs) return Err(ParseError::kBadContent);
      d.fdiffs[d.fdiff_count++] = uint16_t(r.f(4 * size) + 1);
    }
  } else {
    d.fdiff_count = t.fdiff_count;
    for (size_t i = 0; i < t.fdiff_count; ++i) d.fdiffs[i] = t.fdiffs[i];
  }
  if (d.custom_chains) {
    for (size_t c = 0; c < s->chains; ++c) d.chain_fdiffs[c] = uint8_t(r.f(8));
  } else {
    d.chain_fdiffs = t.chain_fdiffs;
  }
  if (r.short_read()) return Err(ParseError::kTooShort);
  return d;  // what is left is zero padding
}

size_t write_dependency_descriptor(MutableBytes out, const DependencyDescriptor& d, const DdStructure& s) {
  if (s.decode_targets == 0 || s.decode_targets > kDdMaxDecodeTargets || s.templates == 0 ||
      s.templates > kDdMaxTemplates || s.chains > s.decode_targets || d.fdiff_count > kDdMaxFdiffs)
    return 0;
  BitWriter w(out);
  w.f(d.start, 1);
  w.f(d.end, 1);
  w.f(d.template_id & 0x3f, 6);
  w.f(d.frame_number, 16);
  bool extended = d.attached_structure || d.has_active_targets || d.custom_dtis || d.custom_fdiffs || d.custom_chains;
  if (extended) {
    w.f(d.attached_structure, 1);
    w.f(d.has_active_targets, 1);
    w.f(d.custom_dtis, 1);
    w.f(d.custom_fdiffs, 1);
    w.f(d.custom_chains, 1);
    if (d.attached_structure) {
      w.f(s.template_id_offset & 0x3f, 6);
      w.f(s.decode_targets - 1u, 5);
      for (size_t t = 0; t < s.templates; ++t) {
        const DdTemplate& a = s.templ[t];
        uint32_t idc = 3;
        if (t + 1 < s.templates) {
          const DdTemplate& b = s.templ[t + 1];
          if (b.spatial == a.spatial && b.temporal == a.temporal) idc = 0;
          else if (b.spatial == a.spatial && b.temporal == a.temporal + 1) idc = 1;
          else if (b.spatial == a.spatial + 1 && b.temporal == 0) idc = 2;
          else return 0;  // not in the order the format can say
        }
        w.f(idc, 2);
      }
      for (size_t t = 0; t < s.templates; ++t)
        for (size_t dt = 0; dt < s.decode_targets; ++dt) w.f(uint32_t(s.templ[t].dti(dt)), 2);
      for (size_t t = 0; t < s.templates; ++t) {
        const DdTemplate& a = s.templ[t];
        if (a.fdiff_count > kDdMaxFdiffs) return 0;
        for (size_t i = 0; i < a.fdiff_count; ++i) {
          if (a.fdiffs[i] < 1 || a.fdiffs[i] > 16) return 0;
          w.f(1, 1);
          w.f(a.fdiffs[i] - 1u, 4);
        }
        w.f(0, 1);
      }
      w.ns(s.chains, s.decode_targets + 1u);
      if (s.chains > 0) {
        for (size_t dt = 0; dt < s.decode_targets; ++dt) {
          if (s.protected_by[dt] >= s.chains) return 0;
          w.ns(s.protected_by[dt], s.chains);
        }
        for (size_t t = 0; t < s.templates; ++t)
          for (size_t c = 0; c < s.chains; ++c) w.f(s.templ[t].chain_fdiffs[c] & 0xf, 4);
      }
      w.f(s.has_resolutions, 1);
      if (s.has_resolutions)
        for (size_t i = 0; i <= s.max_spatial && i < kDdMaxSpatial; ++i) {
          if (s.width[i] == 0 || s.height[i] == 0 || s.width[i] > 65536 || s.height[i] > 65536) return 0;
          w.f(s.width[i] - 1u, 16);
          w.f(s.height[i] - 1u, 16);
        }
    }
    if (d.has_active_targets) w.f(d.active_targets, s.decode_targets);
    if (d.custom_dtis)
      for (size_t dt = 0; dt < s.decode_targets; ++dt) w.f(uint32_t(d.dti(dt)), 2);
    if (d.custom_fdiffs) {
      for (size_t i = 0; i < d.fdiff_count; ++i) {
        uint32_t v = d.fdiffs[i] - 1u;
        if (d.fdiffs[i] == 0 || v >= 4096) return 0;
        uint32_t size = v < 16 ? 1 : v < 256 ? 2 : 3;
        w.f(size, 2);
        w.f(v, 4 * size);
      }
      w.f(0, 2);
    }
    if (d.custom_chains)
      for (size_t c = 0; c < s.chains; ++c) w.f(d.chain_fdiffs[c], 8);
  }
  if (w.full()) return 0;
  // Three bytes would read as the mandatory fields only: an extended descriptor takes four.
  size_t n = w.bytes();
  if (extended && n <= 3) {
    if (out.size() < 4) return 0;
    n = 4;
  }
  return n;
}

}  // namespace umbrella::rtp
