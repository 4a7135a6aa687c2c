#include "rtp/rtcp_stats.hpp"

#include <algorithm>

namespace umbrella::rtp {
namespace {

constexpr uint32_t kSeqMod = 1u << 16;
constexpr uint16_t kMaxDropout = 3000;
constexpr uint16_t kMaxMisorder = 100;

// Duration in RTP clock ticks, without overflow for long durations.
int64_t to_ticks(Duration d, uint32_t clock_rate) {
  int64_t ns = d.count();
  return ns / 1000000000 * clock_rate + ns % 1000000000 * clock_rate / 1000000000;
}

bool ts_newer(uint32_t a, uint32_t b) { return a != b && uint32_t(a - b) < 0x80000000u; }

}  // namespace

void ReceiveStatistics::init_sequence(uint16_t sequence) {
  base_seq_ = sequence;
  max_seq_ = sequence;
  bad_seq_ = kSeqMod + 1;  // so seq == bad_seq is false
  cycles_ = 0;
  received_ = 0;
  expected_prior_ = 0;
  received_prior_ = 0;
}

void ReceiveStatistics::on_rtp(uint16_t sequence, uint32_t rtp_timestamp, size_t payload_bytes,
                               Instant arrival) {
  bool in_order = true;
  if (!initialized_) {
    initialized_ = true;
    init_sequence(sequence);
  } else {
    uint16_t udelta = uint16_t(sequence - max_seq_);
    if (udelta < kMaxDropout) {
      if (sequence < max_seq_) cycles_ += kSeqMod;
      max_seq_ = sequence;
    } else if (udelta <= kSeqMod - kMaxMisorder) {
      // A very large jump: resync only if the next packet confirms it (A.1).
      if (sequence != bad_seq_) {
        bad_seq_ = (uint32_t(sequence) + 1) & (kSeqMod - 1);
        return;
      }
      init_sequence(sequence);
      has_transit_ = false;
    } else {
      in_order = false;  // duplicate or reordered
    }
  }
  ++received_;
  bytes_ += payload_bytes;
  if (in_order) update_jitter(rtp_timestamp, arrival);
}

void ReceiveStatistics::update_jitter(uint32_t rtp_timestamp, Instant arrival) {
  // Packets of one video frame share a timestamp but leave the sender paced; counting them
  // would report pacing as jitter, so only the first packet of each timestamp counts.
  if (has_transit_ && rtp_timestamp == last_jitter_ts_) return;
  if (!has_transit_) epoch_ = arrival;
  int64_t arrival_ticks = to_ticks(arrival - epoch_, clock_rate_);
  uint32_t transit = uint32_t(arrival_ticks) - rtp_timestamp;  // modulo 2^32
  if (has_transit_) {
    int64_t d = int32_t(transit - last_transit_);
    if (d < 0) d = -d;
    jitter_q4_ += uint32_t(d) - ((jitter_q4_ + 8) >> 4);
  }
  has_transit_ = true;
  last_transit_ = transit;
  last_jitter_ts_ = rtp_timestamp;
}

void ReceiveStatistics::on_sender_report(const SenderInfo& info, Instant arrival) {
  has_sr_ = true;
  last_sr_ = info;
  last_sr_arrival_ = arrival;
}

int64_t ReceiveStatistics::cumulative_lost() const {
  if (!initialized_) return 0;
  int64_t expected = int64_t(extended_highest_sequence()) - int64_t(base_seq_) + 1;
  return expected - int64_t(received_);
}

ReportBlock ReceiveStatistics::report_block(Instant now) {
  ReportBlock b;
  b.ssrc = ssrc_;
  if (initialized_) {
    uint64_t expected = uint64_t(int64_t(extended_highest_sequence()) - int64_t(base_seq_) + 1);
    int64_t lost = cumulative_lost();
    b.cumulative_lost = int32_t(lost > 0x7FFFFF ? 0x7FFFFF : lost < -0x800000 ? -0x800000 : lost);
    int64_t expected_interval = int64_t(expected - expected_prior_);
    int64_t received_interval = int64_t(received_ - received_prior_);
    expected_prior_ = expected;
    received_prior_ = received_;
    int64_t lost_interval = expected_interval - received_interval;
    if (expected_interval > 0 && lost_interval > 0)
      b.fraction_lost = uint8_t(std::min<int64_t>((lost_interval << 8) / expected_interval, 255));
    b.extended_highest_seq = extended_highest_sequence();
    b.jitter = jitter();
  }
  if (has_sr_) {
    b.lsr = ntp_compact(last_sr_.ntp_timestamp);
    b.dlsr = to_compact_ntp(now - last_sr_arrival_);
  }
  return b;
}

void SendStatistics::on_rtp_sent(uint32_t rtp_timestamp, size_t payload_bytes, Instant now) {
  ++packets_;
  octets_ += uint32_t(payload_bytes);
  if (!has_sent_ || ts_newer(rtp_timestamp, last_ts_)) {
    last_ts_ = rtp_timestamp;
    last_ts_time_ = now;
  }
  has_sent_ = true;
}

SenderInfo SendStatistics::sender_info(Instant now, const NtpClock& clock) const {
  SenderInfo info;
  info.ntp_timestamp = clock.ntp(now);
  info.rtp_timestamp = last_ts_ + uint32_t(to_ticks(now - last_ts_time_, clock_rate_));
  info.packet_count = packets_;
  info.octet_count = octets_;
  return info;
}

}  // namespace umbrella::rtp
