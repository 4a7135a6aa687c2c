#include "churn.hpp"

#include <algorithm>

namespace umbrella::loadgen {
namespace {

Duration secs(double s) { return std::chrono::nanoseconds(int64_t(s * 1e9)); }

}  // namespace

Churn::Churn(const ChurnOptions& o, Host& host, std::vector<SimPeer*> long_lived, Instant now)
    : o_(o), host_(host), long_lived_(std::move(long_lived)), started_(now) {
  s_.on = true;
  s_.at_once = o.at_once;
  for (SimPeer* p : long_lived_) {
    ParticipantFigures f;
    f.index = p->index();
    f.id = p->participant_id();
    f.baseline_offer_bytes = p->offer_sizes().last_bytes;
    f.baseline_offer_mlines = p->offer_sizes().last_mlines;
    s_.participants.push_back(std::move(f));
  }
}

bool Churn::reached_everyone(const Churner& c) const {
  for (SimPeer* l : long_lived_)
    if (!l->heard_since(c.peer->index(), c.joined)) return false;
  return true;
}

void Churn::retire(size_t i, Instant now) {
  SimPeer* p = churners_[i].peer;
  for (SimPeer* l : long_lived_) l->forget(p->index());
  host_.retire(*p, now);
  churners_.erase(churners_.begin() + std::ptrdiff_t(i));
  ++s_.leaves;
}

void Churn::tick(Instant now, bool keep_joining) {
  if (done_) return;
  for (size_t i = 0; i < churners_.size();) {
    Churner& c = churners_[i];
    if (c.peer->failed()) {
      ++s_.churner_failures;
      if (s_.first_churner_failure.empty()) s_.first_churner_failure = c.peer->failure();
      retire(i, now);
      continue;
    }
    if (c.reached == Instant{}) {
      if (reached_everyone(c)) {
        c.reached = now;
        std::uniform_real_distribution<double> stay(o_.stay_min_s, std::max(o_.stay_min_s, o_.stay_max_s));
        c.leave_at = now + secs(stay(random_));
        ++s_.reached;
        s_.reach_max_ms = std::max(s_.reach_max_ms, std::chrono::duration<double, std::milli>(now - c.joined).count());
      } else if (now - c.joined > secs(o_.reach_timeout_s)) {
        ++s_.unreached;
        for (size_t k = 0; k < long_lived_.size(); ++k)
          if (!long_lived_[k]->heard_since(c.peer->index(), c.joined)) {
            ++s_.participants[k].missed_churners;
            if (s_.first_unreached.empty())
              s_.first_unreached = "churner " + std::to_string(c.peer->index()) + " (" + c.peer->participant_id() +
                                   ", " + (c.peer->connected() ? "connected" : c.peer->stage()) +
                                   ") never reached long-lived " + std::to_string(long_lived_[k]->index());
          }
        retire(i, now);
        continue;
      }
    } else if (now >= c.leave_at) {
      retire(i, now);
      continue;
    }
    ++i;
  }
  bool joining = keep_joining && (o_.joins <= 0 || s_.joins < uint64_t(o_.joins));
  if (joining && int(churners_.size()) < o_.at_once) {
    if (SimPeer* p = host_.spawn(now)) {
      churners_.push_back({p, now});
      ++s_.joins;
    } else {
      ++s_.churner_failures;
    }
  }
  if (!joining && churners_.empty()) final_check(now);
}

void Churn::final_check(Instant now) {
  if (final_start_ == Instant{}) {
    final_start_ = now;
    s_.churn_s = std::chrono::duration<double>(now - started_).count();
  }
  bool ok = true;
  for (size_t k = 0; k < long_lived_.size(); ++k) {
    SimPeer* l = long_lived_[k];
    ParticipantFigures& f = s_.participants[k];
    f.peers_expected = int(long_lived_.size()) - 1;
    f.peers_heard = 0;
    for (SimPeer* m : long_lived_)
      if (m != l && l->heard_since(m->index(), final_start_)) ++f.peers_heard;
    f.announced = l->streams_announced();
    f.receiving = l->announced_receiving_since(final_start_);
    f.renegotiations = l->renegotiations();
    f.failure = l->failure();
    const SimPeer::OfferSizes& o = l->offer_sizes();
    f.last_offer_bytes = o.last_bytes;
    f.max_offer_bytes = o.max_bytes;
    f.last_offer_mlines = o.last_mlines;
    f.max_offer_mlines = o.max_mlines;
    // Audio and video from every other long-lived participant, nothing more announced.
    f.ok = !l->failed() && f.peers_heard == f.peers_expected && f.receiving == f.announced &&
           f.announced == size_t(2 * f.peers_expected);
    ok = ok && f.ok;
  }
  if (ok || now - final_start_ > secs(o_.final_timeout_s)) {
    s_.final_ok = ok;
    done_ = true;
  }
}

}  // namespace umbrella::loadgen
