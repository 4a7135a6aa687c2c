#include "bwe/probe.hpp"

#include <algorithm>

namespace umbrella::bwe {

std::optional<ProbeRequest> Prober::poll(int64_t estimate, int64_t wanted, int64_t now_us) {
  if (active_ || now_us < next_probe_us_ || wanted <= estimate * 11 / 10) return std::nullopt;
  c_ = Cluster{};
  c_.id = next_id_;
  next_id_ = (next_id_ + 1) & 0x7F;
  // Double (triple at first) rather than jump to what is wanted: a probe far above the link
  // only fills its queue.
  c_.target = std::min(wanted, estimate * (probes_ == 0 ? 3 : 2));
  c_.start_us = now_us;
  c_.planned = std::max(kMinBytes, size_t(c_.target * kDurationUs / 8000000));
  active_ = true;
  ++probes_;
  return ProbeRequest{c_.id, c_.target, c_.planned};
}

void Prober::on_sent(int cluster, size_t bytes) {
  if (!active_ || cluster != c_.id) return;
  ++c_.sent;
  c_.sent_bytes += bytes;
}

void Prober::on_lost(int cluster) {
  if (active_ && cluster == c_.id) ++c_.lost;
}

void Prober::on_received(int cluster, int64_t send_us, int64_t arrival_us, size_t bytes) {
  if (!active_ || cluster != c_.id) return;
  if (c_.received == 0) {
    c_.first_send = c_.last_send = send_us;
    c_.first_arrival = c_.last_arrival = arrival_us;
    c_.first_arrival_size = c_.last_send_size = bytes;
  }
  if (send_us < c_.first_send) c_.first_send = send_us;
  if (send_us >= c_.last_send) c_.last_send = send_us, c_.last_send_size = bytes;
  if (arrival_us < c_.first_arrival) c_.first_arrival = arrival_us, c_.first_arrival_size = bytes;
  if (arrival_us > c_.last_arrival) c_.last_arrival = arrival_us;
  ++c_.received;
  c_.received_bytes += bytes;
}

std::optional<int64_t> Prober::take_result(int64_t now_us) {
  if (!active_) return std::nullopt;
  bool all_sent = c_.sent_bytes >= c_.planned;
  bool reported = all_sent && c_.received + c_.lost >= c_.sent;
  if (!reported && now_us - c_.start_us < kTimeoutUs) return std::nullopt;
  active_ = false;
  int64_t send_us = c_.last_send - c_.first_send, recv_us = c_.last_arrival - c_.first_arrival;
  // Too few packets back, or no spread to measure over: the link may be far worse.
  if (c_.received < 5 || c_.received * 10 < c_.sent * 8 || send_us <= 0 || recv_us <= 0) {
    next_probe_us_ = now_us + kRetryUs;
    return std::nullopt;
  }
  int64_t send_rate = int64_t(c_.received_bytes - c_.last_send_size) * 8000000 / send_us;
  int64_t recv_rate = int64_t(c_.received_bytes - c_.first_arrival_size) * 8000000 / recv_us;
  // Received clearly slower than sent: the link is saturated and recv_rate is its capacity.
  int64_t rate = recv_rate * 10 < send_rate * 9 ? recv_rate * 95 / 100 : std::min(send_rate, recv_rate);
  // Reached most of the target: go on doubling now; else wait.
  next_probe_us_ = rate * 10 >= c_.target * 7 ? now_us : now_us + kRetryUs;
  return rate;
}

}  // namespace umbrella::bwe
