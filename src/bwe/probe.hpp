// Probing before moving up (draft-ietf-rmcat-gcc leaves it to the sender; libwebrtc's
// ProbeController and ProbeBitrateEstimator are the model): when more is wanted than the
// estimate allows, send a short cluster of padding at a higher rate and take the rate it was
// received at. One cluster at a time; a success probes again at once (doubling), a failure
// waits kRetry. ProbePacer spreads a cluster's bytes over its duration.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace umbrella::bwe {

struct ProbeRequest {
  int cluster = 0;      // 0..127, stamped into the send history with each probe packet
  int64_t bps = 0;      // rate to send at
  size_t bytes = 0;     // total to send
};

class Prober {
 public:
  static constexpr int64_t kDurationUs = 50000;
  static constexpr size_t kMinBytes = 6 * 255;  // at least six padding packets
  static constexpr int64_t kRetryUs = 3000000;
  static constexpr int64_t kTimeoutUs = 1000000;  // a cluster not fully reported by then is judged as is

  // A new cluster if more than the estimate is wanted and none is under way.
  std::optional<ProbeRequest> poll(int64_t estimate, int64_t wanted, int64_t now_us);
  void on_sent(int cluster, size_t bytes);
  void on_lost(int cluster);
  void on_received(int cluster, int64_t send_us, int64_t arrival_us, size_t bytes);
  // The rate a finished cluster measured (once), or nullopt: none finished or it failed.
  std::optional<int64_t> take_result(int64_t now_us);
  uint64_t probes() const { return probes_; }

 private:
  struct Cluster {
    int id = -1;
    int64_t target = 0, start_us = 0;
    size_t planned = 0, sent_bytes = 0, sent = 0, received = 0, lost = 0;
    int64_t first_send = 0, last_send = 0, first_arrival = 0, last_arrival = 0;
    size_t received_bytes = 0, first_arrival_size = 0, last_send_size = 0;
  };
  Cluster c_;
  bool active_ = false;
  int next_id_ = 0;
  int64_t next_probe_us_ = 0;
  uint64_t probes_ = 0;
};

class ProbePacer {
 public:
  void start(const ProbeRequest& r, int64_t now_us) {
    req_ = r;
    start_us_ = now_us;
    sent_ = 0;
  }
  bool active() const { return sent_ < req_.bytes; }
  int cluster() const { return req_.cluster; }
  // Bytes that may go now to stay on the rate (one packet ahead), 0 when none; send a whole
  // packet while it is above 0 (the last one may overshoot).
  size_t due(int64_t now_us, size_t packet) const {
    if (!active()) return 0;
    auto allowed = size_t(req_.bps * (now_us - start_us_) / 8000000) + packet;
    allowed = allowed < req_.bytes ? allowed : req_.bytes;
    return allowed > sent_ ? allowed - sent_ : 0;
  }
  void sent(size_t bytes) { sent_ += bytes; }
  // When the next packet is due; -1 when idle.
  int64_t next_us() const {
    return active() ? start_us_ + int64_t(sent_) * 8000000 / (req_.bps > 0 ? req_.bps : 1) : -1;
  }

 private:
  ProbeRequest req_;
  int64_t start_us_ = 0;
  size_t sent_ = 0;
};

}  // namespace umbrella::bwe
