#include "rtp/rtcp_twcc.hpp"

#include <algorithm>
#include <array>

namespace umbrella::rtp {
namespace {

// Calls fn(TwccStatus) for each of the first count symbols of the chunk list in r.
// Returns false on a truncated chunk list or a reserved symbol.
template <typename Fn>
bool walk_chunks(ByteReader& r, size_t count, Fn&& fn) {
  size_t done = 0;
  while (done < count) {
    uint16_t chunk = r.u16();
    if (!r.ok()) return false;
    if ((chunk & 0x8000) == 0) {  // run length: 2-bit symbol, 13-bit length
      auto s = uint8_t((chunk >> 13) & 0x3);
      if (s == 3) return false;
      size_t run = std::min<size_t>(chunk & 0x1FFF, count - done);
      for (size_t i = 0; i < run; ++i) fn(TwccStatus(s));
      done += run;
    } else if ((chunk & 0x4000) == 0) {  // status vector, 14 one-bit symbols
      for (int i = 13; i >= 0 && done < count; --i, ++done) fn(TwccStatus((chunk >> i) & 1));
    } else {  // status vector, 7 two-bit symbols
      for (int i = 6; i >= 0 && done < count; --i, ++done) {
        auto s = uint8_t((chunk >> (2 * i)) & 0x3);
        if (s == 3) return false;
        fn(TwccStatus(s));
      }
    }
  }
  return true;
}


// Receive deltas in 250 us ticks, each from the previous *rounded* time so that rounding
// errors do not accumulate.
class DeltaCursor {
 public:
  explicit DeltaCursor(int64_t start_us) : last_us_(start_us) {}
  int64_t next(int64_t arrival_us) {
    int64_t d = floor_div(arrival_us - last_us_, kTwccDeltaUs);
    last_us_ += d * kTwccDeltaUs;
    return d;
  }

 private:
  static int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
  int64_t last_us_;
};

// Online packet-chunk encoder: collects symbols and emits run-length chunks for runs, 14
// one-bit symbols when no large delta is involved, 7 two-bit symbols otherwise.
class ChunkEncoder {
 public:
  explicit ChunkEncoder(ByteWriter& w) : w_(w) {}

  void add(TwccStatus s) {
    if (!can_add(s)) emit_one(false);
    if (size_ < buf_.size()) buf_[size_] = s;
    all_same_ = size_ == 0 || (all_same_ && s == buf_[0]);
    has_large_ = has_large_ || s == TwccStatus::kLargeDelta;
    ++size_;
  }
  void flush() {
    while (size_ > 0) emit_one(true);
  }

 private:
  static constexpr size_t kMaxRun = 0x1FFF;

  bool can_add(TwccStatus s) const {
    if (size_ < 7) return true;
    if (size_ < 14 && !has_large_ && s != TwccStatus::kLargeDelta) return true;
    return all_same_ && s == buf_[0] && size_ < kMaxRun;
  }
  // A vector chunk always holds 7 or 14 symbols on the wire; only the last chunk (final) may
  // carry fewer real ones, because the decoder stops at the status count.
  void emit_one(bool final) {
    if (all_same_) {
      w_.u16(uint16_t(uint16_t(buf_[0]) << 13 | size_));
      reset(size_);
    } else if (!has_large_ && (size_ == 14 || (final && size_ > 7))) {
      uint16_t c = 0x8000;
      for (size_t i = 0; i < 14 && i < size_; ++i)
        if (buf_[i] != TwccStatus::kNotReceived) c = uint16_t(c | 1u << (13 - i));
      w_.u16(c);
      reset(std::min<size_t>(size_, 14));
    } else {
      uint16_t c = 0xC000;
      for (size_t i = 0; i < 7 && i < size_; ++i)
        c = uint16_t(c | uint16_t(buf_[i]) << (2 * (6 - i)));
      w_.u16(c);
      reset(std::min<size_t>(size_, 7));
    }
  }
  // Drops the first k symbols (all of them for a run) and recomputes the summary flags.
  void reset(size_t k) {
    if (k >= size_) {
      size_ = 0;
      all_same_ = true;
      has_large_ = false;
      return;
    }
    size_t rest = size_ - k;
    for (size_t i = 0; i < rest; ++i) buf_[i] = buf_[k + i];
    size_ = rest;
    all_same_ = true;
    has_large_ = false;
    for (size_t i = 0; i < rest; ++i) {
      all_same_ = all_same_ && buf_[i] == buf_[0];
      has_large_ = has_large_ || buf_[i] == TwccStatus::kLargeDelta;
    }
  }

  ByteWriter& w_;
  std::array<TwccStatus, 14> buf_{};
  size_t size_ = 0;
  bool all_same_ = true;
  bool has_large_ = false;
};

}  // namespace

Result<TwccView, ParseError> parse_twcc(const RtcpHeader& h) {
  if (!h.is(RtcpType::kRtpfb) || h.fmt() != kFmtTransportCc) return Err{ParseError::kWrongType};
  auto f = parse_feedback(h);
  if (!f) return Err{f.error()};
  ByteReader r(f->fci);
  TwccView v;
  v.sender_ssrc = f->sender_ssrc;
  v.media_ssrc = f->media_ssrc;
  v.base_seq = r.u16();
  v.status_count = r.u16();
  uint32_t ref = r.u24();
  v.reference_time = int32_t(ref << 8) >> 8;
  v.fb_count = r.u8();
  if (!r.ok()) return Err{ParseError::kTooShort};
  if (v.status_count == 0) return Err{ParseError::kBadContent};
  v.chunks = r.rest();
  return v;
}

Result<size_t, ParseError> decode_twcc(const TwccView& v, std::span<TwccPacket> out) {
  // First pass finds where the deltas start; the second reads them.
  ByteReader chunks(v.chunks);
  if (!walk_chunks(chunks, v.status_count, [](TwccStatus) {})) return Err{ParseError::kBadContent};
  ByteReader deltas(v.chunks.subspan(chunks.position()));
  ByteReader again(v.chunks);
  size_t i = 0;
  int64_t time_us = v.reference_time_us();
  walk_chunks(again, v.status_count, [&](TwccStatus s) {
    int32_t delta = 0;
    if (s == TwccStatus::kSmallDelta) delta = deltas.u8();
    if (s == TwccStatus::kLargeDelta) delta = int16_t(deltas.u16());
    if (s != TwccStatus::kNotReceived) time_us += delta * kTwccDeltaUs;
    if (i < out.size()) {
      out[i] = TwccPacket{uint16_t(v.base_seq + i), s, delta,
                          s == TwccStatus::kNotReceived ? 0 : time_us};
    }
    ++i;
  });
  if (!deltas.ok()) return Err{ParseError::kTooShort};
  return std::min(out.size(), size_t(v.status_count));
}

size_t build_twcc(MutableBytes out, uint32_t sender_ssrc, uint32_t media_ssrc, uint8_t fb_count,
                  uint16_t base_seq, std::span<const int64_t> arrival_us) {
  size_t n = arrival_us.size();
  if (n == 0 || n > 0xFFFF) return 0;
  // The reference time comes from the first packet received; those before it were lost.
  size_t first_received = 0;
  while (first_received < n && arrival_us[first_received] == kTwccNotReceived) ++first_received;
  if (first_received == n) return 0;
  int64_t first = arrival_us[first_received];
  // Reference time: the first arrival rounded down to 64 ms (floor for negatives too).
  int64_t ref = first >= 0 ? first / kTwccReferenceUs
                           : -((-first + kTwccReferenceUs - 1) / kTwccReferenceUs);

  ByteWriter w(out);
  w.zeros(4);
  w.u32(sender_ssrc);
  w.u32(media_ssrc);
  w.u16(base_seq);
  w.u16(uint16_t(n));
  // Explicit wrap (see kTwccReferenceWrapUs): the low 24 bits of the two's complement tick
  // count, i.e. ref modulo 2^24, which the parser reads back as a signed 24-bit value.
  w.u24(uint32_t(uint64_t(ref) & 0xFFFFFF));
  w.u8(fb_count);

  // Pass 1: statuses into chunks. Pass 2: the deltas. Both derive each delta the same way.
  ChunkEncoder chunks(w);
  DeltaCursor cursor(ref * kTwccReferenceUs);
  for (size_t i = 0; i < n; ++i) {
    if (arrival_us[i] == kTwccNotReceived) {
      chunks.add(TwccStatus::kNotReceived);
      continue;
    }
    int64_t d = cursor.next(arrival_us[i]);
    if (d < -32768 || d > 32767) return 0;
    chunks.add(d >= 0 && d <= 255 ? TwccStatus::kSmallDelta : TwccStatus::kLargeDelta);
  }
  chunks.flush();
  DeltaCursor again(ref * kTwccReferenceUs);
  for (size_t i = 0; i < n; ++i) {
    if (arrival_us[i] == kTwccNotReceived) continue;
    int64_t d = again.next(arrival_us[i]);
    if (d >= 0 && d <= 255) {
      w.u8(uint8_t(d));
    } else {
      w.u16(uint16_t(int16_t(d)));
    }
  }
  // RTCP padding with the P bit, as libwebrtc writes it.
  size_t pad = (4 - w.size() % 4) % 4;
  if (pad > 0) {
    w.zeros(pad - 1);
    w.u8(uint8_t(pad));
  }
  if (!w.ok()) return 0;
  write_rtcp_header(out.data(), kFmtTransportCc, RtcpType::kRtpfb, w.size());
  if (pad > 0) out[0] |= 0x20;
  return w.size();
}

}  // namespace umbrella::rtp
