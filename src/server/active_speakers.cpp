#include "server/active_speakers.hpp"

#include <algorithm>

namespace umbrella::server {
namespace {

// Smoothing keeps 60% of the past per interval: full speech reaches kStart in two intervals,
// and from full speech silence falls under kStop in four.
constexpr int kStart = 500;
constexpr int kStop = 150;

}  // namespace

bool ActiveSpeakers::update(std::span<const Sample> samples) {
  ++interval_;
  std::erase_if(scores_, [&](const Score& s) {
    return std::none_of(samples.begin(), samples.end(),
                        [&](const Sample& x) { return x.participant_id == s.participant_id; });
  });
  for (const Sample& x : samples) {
    auto it = std::find_if(scores_.begin(), scores_.end(),
                           [&](const Score& s) { return s.participant_id == x.participant_id; });
    if (it == scores_.end()) {
      scores_.push_back({std::string(x.participant_id)});
      it = scores_.end() - 1;
    }
    it->smoothed = (it->smoothed * 3 + std::clamp(x.permille, 0, 1000) * 2) / 5;
    if (!it->speaking && it->smoothed >= kStart) {
      it->speaking = true;
      it->since = interval_;
    } else if (it->speaking && it->smoothed < kStop) {
      it->speaking = false;
    }
  }
  std::vector<const Score*> speaking;
  for (const Score& s : scores_)
    if (s.speaking) speaking.push_back(&s);
  std::stable_sort(speaking.begin(), speaking.end(), [](const Score* a, const Score* b) { return a->since > b->since; });
  if (speaking.size() > kMax) speaking.resize(kMax);
  bool same = speaking.size() == speakers_.size() &&
              std::equal(speaking.begin(), speaking.end(), speakers_.begin(),
                         [](const Score* s, const std::string& id) { return s->participant_id == id; });
  if (same) return false;
  speakers_.clear();
  for (const Score* s : speaking) speakers_.push_back(s->participant_id);
  return true;
}

}  // namespace umbrella::server
