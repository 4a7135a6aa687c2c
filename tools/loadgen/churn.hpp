// Churn (--churn K): while the long-lived /wsb participants of --call N stay, K more join at
// once, each staying until its video and audio have reached every long-lived participant
// (read from the payload probe), then a random --stay-min..--stay-max seconds, and leaving;
// a new one takes each place until --churn-joins or the --duration window ends. Then the
// final check: with only the long-lived left, each must receive every other one's media and
// every stream the server's last offer announced, afresh. The loop (main.cpp) creates and
// destroys the peers through Host; this class decides when and keeps the figures.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "report.hpp"
#include "sim_peer.hpp"

namespace umbrella::loadgen {

struct ChurnOptions {
  int at_once = 0;                 // 0: no churn
  int joins = 0;                   // churner joins to make; 0: until the window ends
  double stay_min_s = 1, stay_max_s = 3;
  double reach_timeout_s = 30;     // a churner's media must reach everyone within this
  double final_timeout_s = 30;     // the final check gives up after this
};

class Churn {
 public:
  struct Host {
    virtual ~Host() = default;
    virtual SimPeer* spawn(Instant now) = 0;   // a new /wsb participant that ignores media, or null
    virtual void retire(SimPeer& p, Instant now) = 0;  // leave and destroy it
  };
  Churn(const ChurnOptions& o, Host& host, std::vector<SimPeer*> long_lived, Instant now);

  // Joins while `keep_joining` and below the join count, retires who is done, runs the final
  // check once no churner is left and joining is over. done() then.
  void tick(Instant now, bool keep_joining);
  bool done() const { return done_; }
  int live() const { return int(churners_.size()); }
  const ChurnSummary& summary() const { return s_; }

 private:
  struct Churner {
    SimPeer* peer;
    Instant joined, reached{}, leave_at{};
  };
  bool reached_everyone(const Churner& c) const;
  void retire(size_t i, Instant now);
  void final_check(Instant now);

  ChurnOptions o_;
  Host& host_;
  std::vector<SimPeer*> long_lived_;
  std::vector<Churner> churners_;
  std::mt19937 random_{12};  // reproducible stays
  Instant started_, final_start_{};
  bool done_ = false;
  ChurnSummary s_;
};

}  // namespace umbrella::loadgen
