// A path emulated on virtual time for the estimator tests: a sender that sends what the
// estimate allows (up to `demand`) plus the probes it asks for, a bottleneck of `capacity`
// with a drop-tail queue of `queue_limit` and random loss, then propagation delay; the
// receiver answers with real transport-cc feedback (sfu::TwccFeedback, every 50 ms) that goes
// through the real parser before the estimator sees it.
#pragma once

#include <array>
#include <deque>
#include <random>

#include "bwe/estimator.hpp"
#include "rtp/rtcp_packet.hpp"
#include "rtp/rtcp_twcc.hpp"
#include "sfu/twcc_feedback.hpp"

namespace umbrella::bwe::test {

struct Link {
  int64_t capacity_bps = 1000000;
  int64_t delay_us = 20000;             // one way, each direction
  int64_t queue_limit_us = 250000;      // drop tail beyond this much queueing
  double loss = 0;                      // random, before the queue
};

class PathEmulator {
 public:
  explicit PathEmulator(uint32_t seed = 1) : rng_(seed) {}

  Link link;
  int64_t demand_bps = 5000000;  // what the sender would send if the estimate allowed
  Estimator est;
  uint64_t dropped = 0;

  // Runs for `us` of virtual time in 1 ms steps.
  void run(int64_t us) {
    for (int64_t end = now_ + us; now_ < end; now_ += 1000) step();
  }
  int64_t now() const { return now_; }

 private:
  static constexpr size_t kMediaSize = 1200, kPaddingSize = 255;

  void step() {
    deliver_feedback();
    receive();
    est.set_wanted(demand_bps);
    if (auto p = est.poll_probe(now_)) pacer_.start(*p, now_);
    while (pacer_.due(now_, kPaddingSize) > 0) {
      pacer_.sent(kPaddingSize);
      send(kPaddingSize, pacer_.cluster());
    }
    budget_ += double(std::min(est.bps(), demand_bps)) * 0.001 / 8;
    while (budget_ >= kMediaSize) {
      budget_ -= kMediaSize;
      send(kMediaSize, -1);
    }
    if (now_ >= next_feedback_) {
      next_feedback_ = now_ + 50000;
      std::array<uint8_t, 1500> buf;
      size_t n = receiver_.build(buf, 1, 2, at(now_));
      if (n) feedback_.push_back({now_ + link.delay_us, std::vector<uint8_t>(buf.begin(), buf.begin() + n)});
    }
  }

  void send(size_t size, int cluster) {
    uint16_t seq = seq_++;
    est.on_sent(seq, size, now_, cluster);
    if (std::uniform_real_distribution<double>(0, 1)(rng_) < link.loss) return;
    int64_t start = std::max(now_, link_free_);
    if (start - now_ > link.queue_limit_us) {
      ++dropped;
      return;
    }
    link_free_ = start + int64_t(size) * 8000000 / link.capacity_bps;
    in_flight_.push_back({link_free_ + link.delay_us, seq});
  }

  void receive() {
    while (!in_flight_.empty() && in_flight_.front().first <= now_) {
      receiver_.record(in_flight_.front().second, at(in_flight_.front().first));
      in_flight_.pop_front();
    }
  }

  void deliver_feedback() {
    while (!feedback_.empty() && feedback_.front().first <= now_) {
      auto h = rtp::parse_rtcp_header(feedback_.front().second);
      REQUIRE(h.ok());
      auto v = rtp::parse_twcc(*h);
      REQUIRE(v.ok());
      std::array<rtp::TwccPacket, 1024> packets;
      auto n = rtp::decode_twcc(*v, packets);
      REQUIRE(n.ok());
      est.on_feedback(std::span(packets.data(), *n), now_);
      feedback_.pop_front();
    }
  }

  static Instant at(int64_t us) { return Instant{} + seconds(100) + microseconds(us); }

  std::mt19937 rng_;
  int64_t now_ = 0, link_free_ = 0, next_feedback_ = 50000;
  double budget_ = 0;
  uint16_t seq_ = 0;
  ProbePacer pacer_;
  sfu::TwccFeedback receiver_;
  std::deque<std::pair<int64_t, uint16_t>> in_flight_;
  std::deque<std::pair<int64_t, std::vector<uint8_t>>> feedback_;
};

// Min and max of the estimate over `us`, sampled every 100 ms.
struct Range {
  int64_t lo = INT64_MAX, hi = 0;
};
inline Range observe(PathEmulator& p, int64_t us) {
  Range r;
  for (int64_t t = 0; t < us; t += 100000) {
    p.run(100000);
    r.lo = std::min(r.lo, p.est.bps());
    r.hi = std::max(r.hi, p.est.bps());
  }
  return r;
}

}  // namespace umbrella::bwe::test
