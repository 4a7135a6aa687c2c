// Statistics behind RTCP reports (RFC 3550 section 6.4, appendix A.1/A.3/A.8):
// ReceiveStatistics per incoming SSRC yields report blocks for RRs; SendStatistics per
// outgoing SSRC yields the sender info of SRs.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/time.hpp"
#include "rtp/ntp.hpp"
#include "rtp/rtcp_reports.hpp"

namespace umbrella::rtp {

class ReceiveStatistics {
 public:
  ReceiveStatistics(uint32_t ssrc, uint32_t clock_rate) : ssrc_(ssrc), clock_rate_(clock_rate) {}

  // Every received RTP packet of this SSRC (after SRTP), with its payload size.
  void on_rtp(uint16_t sequence, uint32_t rtp_timestamp, size_t payload_bytes, Instant arrival);
  // An SR from this SSRC: remembered for LSR/DLSR.
  void on_sender_report(const SenderInfo& info, Instant arrival);

  // A report block about this SSRC; starts a new interval for fraction_lost.
  ReportBlock report_block(Instant now);

  bool has_packets() const { return initialized_; }
  uint32_t ssrc() const { return ssrc_; }
  uint32_t extended_highest_sequence() const { return cycles_ + max_seq_; }
  int64_t cumulative_lost() const;
  uint32_t jitter() const { return jitter_q4_ >> 4; }  // RTP timestamp units
  uint64_t packets_received() const { return received_; }
  uint64_t bytes_received() const { return bytes_; }
  bool has_sender_report() const { return has_sr_; }
  const SenderInfo& last_sender_report() const { return last_sr_; }

 private:
  void init_sequence(uint16_t sequence);
  void update_jitter(uint32_t rtp_timestamp, Instant arrival);

  uint32_t ssrc_;
  uint32_t clock_rate_;
  bool initialized_ = false;
  uint16_t max_seq_ = 0;
  uint32_t cycles_ = 0;       // count of wraps, times 2^16
  uint32_t base_seq_ = 0;
  uint32_t bad_seq_ = 0;
  uint64_t received_ = 0;
  uint64_t bytes_ = 0;
  uint64_t expected_prior_ = 0;
  uint64_t received_prior_ = 0;

  bool has_transit_ = false;
  Instant epoch_{};
  uint32_t last_transit_ = 0;
  uint32_t last_jitter_ts_ = 0;
  uint32_t jitter_q4_ = 0;    // jitter * 16 (A.8 fixed point)

  bool has_sr_ = false;
  SenderInfo last_sr_;
  Instant last_sr_arrival_{};
};

class SendStatistics {
 public:
  SendStatistics(uint32_t ssrc, uint32_t clock_rate) : ssrc_(ssrc), clock_rate_(clock_rate) {}

  void on_rtp_sent(uint32_t rtp_timestamp, size_t payload_bytes, Instant now);

  bool has_sent() const { return has_sent_; }
  uint32_t ssrc() const { return ssrc_; }
  uint32_t packets() const { return packets_; }
  uint32_t octets() const { return octets_; }

  // Sender info for an SR at now: NTP from clock, RTP timestamp extrapolated from the newest
  // packet sent (RFC 3550 6.4.1: both must denote the same instant).
  SenderInfo sender_info(Instant now, const NtpClock& clock) const;

 private:
  uint32_t ssrc_;
  uint32_t clock_rate_;
  bool has_sent_ = false;
  uint32_t packets_ = 0;  // wrap as the SR fields do
  uint32_t octets_ = 0;
  uint32_t last_ts_ = 0;
  Instant last_ts_time_{};
};

}  // namespace umbrella::rtp
