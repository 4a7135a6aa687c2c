#include "rtp/nack_generator.hpp"

#include <algorithm>
#include <utility>

namespace umbrella::rtp {
namespace {

constexpr int64_t kRestartDistance = 3000;  // RFC 3550 A.1's MAX_DROPOUT

}  // namespace

NackGenerator::NackGenerator(NackConfig config) : config_(config) {
  config_.max_outstanding = std::clamp<size_t>(config_.max_outstanding, 1, kCapacity);
}

void NackGenerator::reset() {
  unwrap_.reset();
  started_ = false;
  count_ = 0;
}

Instant NackGenerator::due(const Entry& e) const {
  return e.retries == 0 ? e.detected + config_.reorder_delay : e.last_sent + config_.rtt;
}

void NackGenerator::erase(size_t i) {
  std::move(list_.begin() + i + 1, list_.begin() + count_, list_.begin() + i);
  --count_;
}

void NackGenerator::give_up_front(size_t n) {
  n = std::min(n, count_);
  std::move(list_.begin() + n, list_.begin() + count_, list_.begin());
  count_ -= n;
  counters_.given_up += n;
  if (n > 0) keyframe_wanted_ = true;
}

void NackGenerator::on_packet(uint16_t sequence, Instant now) {
  int64_t seq = unwrap_.unwrap(sequence);
  if (!started_) {
    started_ = true;
    highest_ = seq;
    return;
  }
  if (highest_ - seq > kRestartDistance) {
    // Far behind the head: the sender restarted its numbering if the next packet follows
    // this one (RFC 3550 A.1's confirmation); a lone stray packet is ignored.
    if (seq != restart_candidate_) {
      restart_candidate_ = seq + 1;
      return;
    }
    counters_.given_up += count_;
    count_ = 0;
    highest_ = seq;
    return;
  }
  if (seq <= highest_) {
    // Late: a retransmission or reordering. Recovered if we were waiting for it.
    auto it = std::lower_bound(list_.begin(), list_.begin() + count_, seq,
                               [](const Entry& e, int64_t s) { return e.sequence < s; });
    if (it != list_.begin() + count_ && it->sequence == seq) {
      erase(size_t(it - list_.begin()));
      ++counters_.recovered;
    }
    return;
  }
  int64_t gap = seq - highest_ - 1;
  highest_ = seq;
  if (gap == 0) return;
  if (gap > int64_t(config_.max_outstanding)) {
    // Too much to repair by retransmission: forget the lot and ask for a keyframe.
    counters_.missing += uint64_t(gap);
    counters_.given_up += uint64_t(gap);
    give_up_front(count_);
    keyframe_wanted_ = true;
    return;
  }
  counters_.missing += uint64_t(gap);
  size_t room = config_.max_outstanding - count_;
  if (size_t(gap) > room) give_up_front(size_t(gap) - room);
  for (int64_t s = seq - gap; s < seq; ++s) list_[count_++] = Entry{s, now, now, 0};
}

Instant NackGenerator::next_deadline() const {
  Instant next = kNever;
  for (size_t i = 0; i < count_; ++i) {
    next = std::min(next, std::min(due(list_[i]), list_[i].detected + config_.max_age));
  }
  return next;
}

size_t NackGenerator::poll(Instant now, std::span<uint16_t> out) {
  size_t n = 0;
  size_t i = 0;
  while (i < count_) {
    Entry& e = list_[i];
    bool expired = now - e.detected >= config_.max_age;
    bool is_due = due(e) <= now;
    if (expired || (is_due && e.retries >= config_.max_retries)) {
      erase(i);
      ++counters_.given_up;
      keyframe_wanted_ = true;
      continue;
    }
    if (is_due && n < out.size()) {
      out[n++] = uint16_t(e.sequence);
      e.last_sent = now;
      ++e.retries;
      ++counters_.requested;
    }
    ++i;
  }
  return n;
}

}  // namespace umbrella::rtp
