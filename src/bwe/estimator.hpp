// Send-side bandwidth estimate for one transport, GCC style, sans-IO: the owner reports every
// packet it sends (transport-wide sequence number, size, send time, probe cluster) and every
// transport-cc feedback, and reads the estimate and probe requests back. Times are
// microseconds on the owner's monotonic clock; feedback arrival times are the receiver's.
// Estimate = min(delay-based AIMD rate, loss-based bound). Fixed size, no allocation.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "bwe/delay_detector.hpp"
#include "bwe/loss_bound.hpp"
#include "bwe/probe.hpp"
#include "bwe/rate_control.hpp"
#include "bwe/send_history.hpp"
#include "rtp/rtcp_twcc.hpp"

namespace umbrella::bwe {

struct EstimatorCounters {
  uint64_t feedbacks = 0;
  uint64_t received = 0, lost = 0;
  uint64_t unknown = 0;  // reported sequence numbers not (or no longer) in the send history
  uint64_t probes = 0, probe_results = 0;
};

class Estimator {
 public:
  static constexpr int64_t kStartBps = 300000, kMinBps = 10000, kMaxBps = 20000000;

  Estimator() : rate_(kStartBps, kMinBps, kMaxBps), loss_(kMaxBps) {}

  void on_sent(uint16_t seq, size_t size, int64_t send_us, int cluster = -1);
  void on_feedback(std::span<const rtp::TwccPacket> packets, int64_t now_us);
  // What the owner would send if it could (drives probing); 0: nothing more.
  void set_wanted(int64_t bps) { wanted_ = bps; }
  std::optional<ProbeRequest> poll_probe(int64_t now_us);

  int64_t bps() const { return std::min(rate_.bps(), loss_.bps()); }
  int64_t delay_bps() const { return rate_.bps(); }
  int64_t loss_bps() const { return loss_.bps(); }
  int64_t acked_bps() const { return acked_.bps(); }
  int64_t rtt_us() const { return rtt_us_; }
  int loss_permille() const { return loss_.loss_permille(); }
  Usage usage() const { return detector_.usage(); }
  const EstimatorCounters& counters() const { return counters_; }

 private:
  void take_probe(int64_t bps);

  SendHistory history_;
  DelayDetector detector_;
  AckedRate acked_;
  RateControl rate_;
  LossBound loss_;
  Prober prober_;
  int64_t wanted_ = 0;
  int64_t rtt_us_ = 100000;
  EstimatorCounters counters_;
};

}  // namespace umbrella::bwe
