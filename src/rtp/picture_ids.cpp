#include "rtp/picture_ids.hpp"

namespace umbrella::rtp {
namespace {

uint16_t pid_mask(const PictureIds& ids) { return ids.pid_long ? 0x7fff : 0x7f; }

// a newer than b in serial arithmetic modulo mask + 1.
bool newer(uint16_t a, uint16_t b, uint16_t mask) {
  uint16_t d = uint16_t((a - b) & mask);
  return d != 0 && d <= mask / 2;
}

}  // namespace

std::optional<PictureIds> find_picture_ids(Codec codec, Bytes p) {
  PictureIds ids;
  size_t n = 1;
  auto read_pid = [&]() {
    if (p.size() < n + 1) return false;
    ids.pid_at = uint8_t(n);
    ids.pid_long = p[n] & 0x80;
    if (ids.pid_long && p.size() < n + 2) return false;
    ids.pid = ids.pid_long ? uint16_t((p[n] & 0x7f) << 8 | p[n + 1]) : uint16_t(p[n] & 0x7f);
    n += ids.pid_long ? 2 : 1;
    return true;
  };
  if (p.empty()) return std::nullopt;
  if (codec == Codec::kVp8) {
    // |X|R|N|S|R| PID |, then with X: |I|L|T|K| RSV |, PictureID, TL0PICIDX.
    if (!(p[0] & 0x80) || p.size() < 2) return std::nullopt;
    uint8_t flags = p[n++];
    if ((flags & 0x80) && !read_pid()) return std::nullopt;
    if (flags & 0x40) {
      if (p.size() < n + 1) return std::nullopt;
      ids.tl0_at = uint8_t(n);
      ids.tl0 = p[n];
    }
  } else if (codec == Codec::kVp9) {
    // |I|P|L|F|B|E|V|Z|, PictureID, then with L: |TID|U|SID|D| and, when not flexible, TL0PICIDX.
    uint8_t b = p[0];
    if ((b & 0x80) && !read_pid()) return std::nullopt;
    if ((b & 0x20) && !(b & 0x10)) {
      if (p.size() < n + 2) return std::nullopt;
      ids.tl0_at = uint8_t(n + 1);
      ids.tl0 = p[n + 1];
    }
  } else {
    return std::nullopt;
  }
  if (!ids.any()) return std::nullopt;
  return ids;
}

bool write_picture_ids(MutableBytes p, const PictureIds& ids) {
  if (ids.pid_at) {
    if (p.size() < size_t(ids.pid_at) + (ids.pid_long ? 2 : 1)) return false;
    if (ids.pid_long) {
      p[ids.pid_at] = uint8_t(0x80 | (ids.pid >> 8 & 0x7f));
      p[ids.pid_at + 1] = uint8_t(ids.pid);
    } else {
      p[ids.pid_at] = uint8_t(ids.pid & 0x7f);
    }
  }
  if (ids.tl0_at) {
    if (p.size() <= ids.tl0_at) return false;
    p[ids.tl0_at] = ids.tl0;
  }
  return true;
}

PictureIds PictureIdRewriter::map(uint32_t ssrc, PictureIds in) {
  if (!has_source_ || ssrc != ssrc_) {
    // Go on one past the newest sent; the first source passes through as it is.
    pid_offset_ = has_pid_ ? uint16_t(max_pid_ + 1 - in.pid) : 0;
    tl0_offset_ = has_tl0_ ? uint8_t(max_tl0_ + 1 - in.tl0) : 0;
    has_source_ = true;
    ssrc_ = ssrc;
  }
  PictureIds out = apply(in);
  if (out.pid_at && (!has_pid_ || newer(out.pid, max_pid_, pid_mask(out)))) {
    max_pid_ = out.pid;
    has_pid_ = true;
  }
  if (out.tl0_at && (!has_tl0_ || newer(out.tl0, max_tl0_, 0xff))) {
    max_tl0_ = out.tl0;
    has_tl0_ = true;
  }
  return out;
}

PictureIds PictureIdRewriter::apply(PictureIds in) const {
  in.pid = uint16_t((in.pid + pid_offset_) & pid_mask(in));
  in.tl0 = uint8_t(in.tl0 + tl0_offset_);
  return in;
}

}  // namespace umbrella::rtp
