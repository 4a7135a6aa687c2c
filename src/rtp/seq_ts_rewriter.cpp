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
  seq_offset_ = uint16_t(out_seq - sequence);
  ts_offset_ = out_ts - timestamp;
}

std::optional<SeqTimestampRewriter::Mapped> SeqTimestampRewriter::map(uint32_t ssrc,
                                                                      uint16_t sequence,
                                                                      uint32_t timestamp,
                                                                      Instant now) {
  int64_t ext;
  if ((switch_pending_ && ssrc == pending_ssrc_) || (!has_source_ && !switch_pending_)) {
    start_source(ssrc, sequence, timestamp, now);
    ext = first_in_;
  } else if (!has_source_ || ssrc != ssrc_) {
    return std::nullopt;
  } else {
    ext = in_.unwrap(sequence);
    if (ext < first_in_) return std::nullopt;  // from before the switch
  }
  Mapped m{uint16_t(sequence + seq_offset_), timestamp + ts_offset_};
  if (ext >= highest_in_ || !has_output_) {
    highest_in_ = ext;
    max_out_seq_ = m.sequence;
  }
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
  if (behind < 0 || highest_in_ - behind < first_in_) return std::nullopt;
  return uint16_t(out_sequence - seq_offset_);
}

}  // namespace umbrella::rtp
