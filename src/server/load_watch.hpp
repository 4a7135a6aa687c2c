// Samples how long the media port's forwarded packets waited (and what it dropped as stale)
// every sfu::kLoadTick, and sets the media plane's load level from sfu::LoadGovernor: lower
// layers, then no video, before the server drops at random.
#pragma once

#include <cstdint>

#include "core/event_loop.hpp"
#include "media/media_plane.hpp"
#include "server/media_port.hpp"
#include "sfu/load_governor.hpp"

namespace umbrella::server {

class LoadWatch {
 public:
  LoadWatch(EventLoop& loop, const MediaPort& port, media::MediaPlane& plane);
  ~LoadWatch();
  LoadWatch(const LoadWatch&) = delete;
  LoadWatch& operator=(const LoadWatch&) = delete;
  const sfu::LoadGovernor& governor() const { return governor_; }

 private:
  void sample();

  EventLoop& loop_;
  const MediaPort& port_;
  media::MediaPlane& plane_;
  sfu::LoadGovernor governor_;
  EventLoop::TimerId timer_ = 0;
  uint64_t forwarded_ = 0, late_ = 0, stale_ = 0;  // totals at the last sample
  int64_t cpu_ns_ = 0;                              // this thread's CPU time then
  Instant sampled_{};
};

}  // namespace umbrella::server
