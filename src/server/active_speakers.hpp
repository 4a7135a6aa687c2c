// Who is speaking in one room, from each participant's share of loud audio packets per
// interval (sfu::VoiceActivity), with hysteresis: someone starts speaking after about two
// intervals of speech and stops after about four of silence, so a cough or a pause between
// words does not move the speaking ring or the speaker layout.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace umbrella::server {

class ActiveSpeakers {
 public:
  static constexpr size_t kMax = 3;  // as many as the Speakers message carries

  struct Sample {
    std::string_view participant_id;
    int permille;  // loud packets in the interval, 0..1000
  };
  // One interval's evidence. A participant absent from `samples` left or sends no audio and
  // is forgotten. True when speakers() changed (set or order).
  bool update(std::span<const Sample> samples);
  // Speaking now, the most recent to start first, at most kMax.
  const std::vector<std::string>& speakers() const { return speakers_; }

 private:
  struct Score {
    std::string participant_id;
    int smoothed = 0;  // permille, exponentially smoothed over intervals
    bool speaking = false;
    uint64_t since = 0;  // interval it started speaking in
  };
  std::vector<Score> scores_;
  std::vector<std::string> speakers_;
  uint64_t interval_ = 0;
};

}  // namespace umbrella::server
