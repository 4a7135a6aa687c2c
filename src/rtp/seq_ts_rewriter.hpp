// Per-subscriber output numbering for one forwarded stream. Packets of the current source map
// into one continuous (sequence, timestamp) space; when the source changes (publisher
// replaced, simulcast layer switch, trunk reconnect) the output goes on with the next sequence
// number and a timestamp advanced by the wall time elapsed since the newest packet sent, so
// the subscriber's jitter buffer sees neither a gap nor a jump back.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "core/time.hpp"
#include "rtp/seq.hpp"

namespace umbrella::rtp {

class SeqTimestampRewriter {
 public:
  struct Mapped {
    uint16_t sequence;
    uint32_t timestamp;
  };

  // clock_rate: RTP clock of the stream (90000 video, 48000 Opus).
  explicit SeqTimestampRewriter(uint32_t clock_rate, uint16_t first_sequence = 0,
                                uint32_t first_timestamp = 0);

  // Maps one packet of the forwarded source. The source is the SSRC given to switch_source()
  // (or, before any switch, the first packet's SSRC); its first packet after the switch
  // starts the new numbering. nullopt means drop: another SSRC (e.g. late packets of the
  // previous source), or a packet of the current source older than its first forwarded one.
  std::optional<Mapped> map(uint32_t ssrc, uint16_t sequence, uint32_t timestamp, Instant now);

  // A packet of the forwarded source that is not sent (an SVC layer above the subscriber's):
  // the numbers after it close up so the subscriber sees no gap. Only a packet newer than every
  // one seen can: an older one's number is given out already and stays a hole. A skipped
  // packet is not mapped afterwards (a repeat of it has no number). Skips are
  // remembered for the last kSkipWindow source packets; once there are any, map() and
  // to_source_sequence() refuse packets further back than that.
  void skip(uint32_t ssrc, uint16_t sequence, uint32_t timestamp, Instant now);
  static constexpr int64_t kSkipWindow = 1024;

  // Forward ssrc from its next packet on: publisher replaced, simulcast layer switched (call
  // at the new layer's keyframe), or trunk reconnected (same SSRC is fine). Until ssrc's
  // first packet arrives, the current source keeps being forwarded.
  void switch_source(uint32_t ssrc) {
    switch_pending_ = true;
    pending_ssrc_ = ssrc;
  }

  // Output sequence -> the current source's sequence (for NACKs from the subscriber); nullopt
  // when it was never mapped from the current source, or is 2^15 or more behind the newest.
  // Over skipped packets, the one that was given out_sequence.
  std::optional<uint16_t> to_source_sequence(uint16_t out_sequence) const;

  bool has_output() const { return has_output_; }
  uint16_t last_sequence() const { return max_out_seq_; }
  uint32_t last_timestamp() const { return max_out_ts_; }
  uint32_t current_ssrc() const { return ssrc_; }

 private:
  void start_source(uint32_t ssrc, uint16_t sequence, uint32_t timestamp, Instant now);
  // The packet's unwrapped sequence when it belongs to the forwarded source (starting it if
  // it is the switch's first); fresh: it started the source.
  bool accept(uint32_t ssrc, uint16_t sequence, uint32_t timestamp, Instant now, int64_t& ext, bool& fresh);
  void advance(int64_t ext);  // highest_in_ moves up to ext, forgetting skips out of the window
  bool skipped(int64_t ext) const { return skipped_[size_t(ext & (kSkipWindow - 1)) / 64] >> (ext & 63) & 1; }
  int64_t skipped_after(int64_t ext) const;  // skips in (ext, highest_in_]

  uint32_t clock_rate_;
  bool has_source_ = false;
  bool switch_pending_ = false;
  uint32_t ssrc_ = 0;
  uint32_t pending_ssrc_ = 0;
  SeqUnwrapper in_;
  int64_t first_in_ = 0;      // unwrapped sequence of the source's first forwarded packet
  int64_t highest_in_ = 0;
  uint16_t seq_offset_ = 0;   // out = in + offset - skips in (in, highest_in_] (mod 2^16)
  bool any_skipped_ = false;  // since the source started
  std::array<uint64_t, kSkipWindow / 64> skipped_{};  // bit per source packet, by ext % window
  uint32_t ts_offset_ = 0;

  bool has_output_ = false;
  uint16_t max_out_seq_;
  uint32_t max_out_ts_;
  Instant max_out_ts_time_{};
};

}  // namespace umbrella::rtp
