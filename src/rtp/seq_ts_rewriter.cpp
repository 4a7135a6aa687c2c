#include "rtp/seq_ts_rewriter.hpp"

namespace umbrella::rtp {
namespace {

bool ts_newer(uint32_t a, uint32_t b) { return a != b && uint32_t(a - b) < 0x80000000u; }

}  // namespace

SeqTimestampRewriter::SeqTimestampRewriter(uint32_t clock_rate, uint16_t first_sequence,
                                           uint32_t first_timestamp)
    : clock_rate_(clock_rate),
      max_out_seq_(uint16_t(first_sequence - 1)),
      max_out_ts_(first_timestamp) {}

void SeqTimestampRewriter::start_source(uint32_t ssrc, uint16_t sequence, uint32_t timestamp,
                                        Instant now) {
  uint16_t out_seq = uint16_t(max_out_seq_ + 1);
  uint32_t out_ts = max_out_ts_;
  if (has_output_) {
    // Advance by the elapsed wall time, at least one tick so the new frame is a new frame.
    Duration elapsed = now - max_out_ts_time_;
    int64_t ns = elapsed.count() < 0 ? 0 : elapsed.count();
    int64_t ticks = ns / 1000000000 * clock_rate_ + ns % 1000000000 * clock_rate_ / 1000000000;
    if (ticks < 1) ticks = 1;
    if (ticks > 0x3FFFFFFF) ticks = 0x3FFFFFFF;  // keep it "newer" in 32-bit serial terms
    out_ts = uint32_t(max_out_ts_ + uint32_t(ticks));
  }
  has_source_ = true;
  switch_pending_ = false;
  ssrc_ = ssrc;
  in_.reset();
  first_in_ = highest_in_ = in_.unwrap(sequence);
  any_skipped_ = false;
  skipped_.fill(0);
  seq_offset_ = uint16_t(out_seq - sequence);
  ts_offset_ = out_ts - timestamp;
}

bool SeqTimestampRewriter::accept(uint32_t ssrc, uint16_t sequence, uint32_t timestamp, Instant now,
                                  int64_t& ext, bool& fresh) {
  fresh = (switch_pending_ && ssrc == pending_ssrc_) || (!has_source_ && !switch_pending_);
  if (fresh) {
    start_source(ssrc, sequence, timestamp, now);
    ext = first_in_;
    return true;
  }
  if (!has_source_ || ssrc != ssrc_) return false;
  ext = in_.unwrap(sequence);
  if (ext < first_in_) return false;  // from before the switch
  // Past the window the skips before it are forgotten, so where it lands is unknown.
  return !any_skipped_ || highest_in_ - ext < kSkipWindow;
}

void SeqTimestampRewriter::advance(int64_t ext) {
  if (ext <= highest_in_) return;
  if (ext - highest_in_ >= kSkipWindow) {
    skipped_.fill(0);
  } else {
    for (int64_t x = highest_in_ + 1; x <= ext; ++x)
      skipped_[size_t(x & (kSkipWindow - 1)) / 64] &= ~(uint64_t(1) << (x & 63));
  }
  highest_in_ = ext;
}

int64_t SeqTimestampRewriter::skipped_after(int64_t ext) const {
  int64_t n = 0;
  if (any_skipped_)
    for (int64_t x = ext + 1; x <= highest_in_; ++x) n += skipped(x);
  return n;
}

void SeqTimestampRewriter::skip(uint32_t ssrc, uint16_t sequence, uint32_t timestamp, Instant now) {
  int64_t ext;
  bool fresh;
  if (!accept(ssrc, sequence, timestamp, now, ext, fresh)) return;
  if (!fresh && ext <= highest_in_) return;  // its number is given out (or it is a repeat)
  advance(ext);
  skipped_[size_t(ext & (kSkipWindow - 1)) / 64] |= uint64_t(1) << (ext & 63);
  any_skipped_ = true;
  --seq_offset_;
}

std::optional<SeqTimestampRewriter::Mapped> SeqTimestampRewriter::map(uint32_t ssrc,
                                                                      uint16_t sequence,
                                                                      uint32_t timestamp,
                                                                      Instant now) {
  int64_t ext;
  bool fresh;
  if (!accept(ssrc, sequence, timestamp, now, ext, fresh)) return std::nullopt;
  if (any_skipped_ && ext <= highest_in_ && skipped(ext)) return std::nullopt;  // closed up: no number
  int64_t behind = skipped_after(ext);
  Mapped m{uint16_t(sequence + seq_offset_ + behind), timestamp + ts_offset_};
  // A late packet behind skipped ones can land past every number sent so far.
  if (ext >= highest_in_ || !has_output_ || (behind && seq_newer(m.sequence, max_out_seq_)))
    max_out_seq_ = m.sequence;
  advance(ext);
  if (!has_output_ || ts_newer(m.timestamp, max_out_ts_)) {
    max_out_ts_ = m.timestamp;
    max_out_ts_time_ = now;
  }
  has_output_ = true;
  return m;
}

std::optional<uint16_t> SeqTimestampRewriter::to_source_sequence(uint16_t out_sequence) const {
  if (!has_output_ || !has_source_) return std::nullopt;
  // Up to 2^15 - 1 behind the newest output, and not before the source's first packet. The
  // distance is taken from the newest output: comparing with the first output in serial order
  // breaks once a source has sent more than 2^15 packets.
  int32_t behind = seq_diff(max_out_seq_, out_sequence);
  if (behind < 0) return std::nullopt;
  if (!any_skipped_) {
    if (highest_in_ - behind < first_in_) return std::nullopt;
    return uint16_t(out_sequence - seq_offset_);
  }
  // Walk back from the newest source packet: each skipped one moves the older ones' numbers
  // up by one.
  int64_t skips = 0;
  for (int64_t x = highest_in_; x >= first_in_ && highest_in_ - x < kSkipWindow; --x) {
    if (skipped(x)) {
      ++skips;
      continue;
    }
    int32_t d = seq_diff(uint16_t(x + seq_offset_ + skips), out_sequence);
    if (d == 0) return uint16_t(x);
    if (d < 0) break;
  }
  return std::nullopt;
}

}  // namespace umbrella::rtp
