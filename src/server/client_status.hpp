// One participant as /status.json shows it: transport state and, per publisher track and
// subscription, the media plane's counters and a bitrate between two status polls.
#pragma once

#include <string>
#include <unordered_map>

#include "core/time.hpp"
#include "media/media_plane.hpp"
#include "signal/status.hpp"

namespace umbrella::server {

class Participant;

// Bits per second of a byte counter since the previous snapshot that saw it (polls ~1 s apart).
class RateMeter {
 public:
  uint64_t rate(const std::string& key, uint64_t bytes, Instant now);
  // Keys not seen since the previous commit are forgotten (departed tracks).
  void commit() { samples_ = std::move(next_); next_.clear(); }

 private:
  struct Sample {
    uint64_t bytes;
    Instant at;
    uint64_t bps;
  };
  std::unordered_map<std::string, Sample> samples_, next_;
};

signal::ClientSnapshot describe_client(const Participant& p, const media::MediaPlane& plane, RateMeter& rates,
                                       Instant now);

}  // namespace umbrella::server
