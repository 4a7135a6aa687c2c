#include "bwe/estimator.hpp"

#include <algorithm>

namespace umbrella::bwe {

void Estimator::on_sent(uint16_t seq, size_t size, int64_t send_us, int cluster) {
  history_.add(seq, size, send_us, cluster);
  if (cluster >= 0) prober_.on_sent(cluster, size);
}

void Estimator::on_feedback(std::span<const rtp::TwccPacket> packets, int64_t now_us) {
  ++counters_.feedbacks;
  int received = 0, lost = 0;
  int64_t newest_send = -1;
  for (const rtp::TwccPacket& p : packets) {
    std::optional<SentPacket> s = history_.find(p.seq);
    if (!s) {
      ++counters_.unknown;
      continue;
    }
    if (p.status == rtp::TwccStatus::kNotReceived) {
      if (!s->reported) {
        ++lost;
        if (s->cluster >= 0) prober_.on_lost(s->cluster);
      }
      continue;
    }
    if (s->reported) continue;  // feedback repeated: counted once
    history_.set_reported(p.seq);
    ++received;
    acked_.on_received(p.receive_time_us, s->size);
    detector_.on_packet(s->send_us, p.receive_time_us);
    if (s->cluster >= 0) prober_.on_received(s->cluster, s->send_us, p.receive_time_us, s->size);
    newest_send = std::max(newest_send, s->send_us);
  }
  counters_.received += uint64_t(received);
  counters_.lost += uint64_t(lost);
  // Round trip as the feedback shows it (it includes the receiver's feedback interval, which
  // only makes the reactions a little slower).
  if (newest_send >= 0 && now_us >= newest_send)
    rtt_us_ = std::clamp((rtt_us_ * 7 + (now_us - newest_send)) / 8, int64_t(20000), int64_t(1000000));
  if (received + lost == 0) return;
  loss_.on_feedback(received, lost, bps(), now_us, rtt_us_);
  rate_.update(detector_.usage(), acked_.bps(), now_us, rtt_us_);
  if (auto r = prober_.take_result(now_us)) {
    ++counters_.probe_results;
    take_probe(*r);
  }
}

void Estimator::take_probe(int64_t bps) {
  rate_.raise_to(bps);
  // Heavy loss is not the queue a probe can see past: the loss bound stays.
  if (loss_.loss_permille() < 100) loss_.raise_to(bps);
}

std::optional<ProbeRequest> Estimator::poll_probe(int64_t now_us) {
  if (auto r = prober_.take_result(now_us)) {  // timed out without full feedback
    ++counters_.probe_results;
    take_probe(*r);
  }
  auto req = prober_.poll(bps(), wanted_, now_us);
  if (req) ++counters_.probes;
  return req;
}

}  // namespace umbrella::bwe
