#include "server/load_watch.hpp"

#include "core/log.hpp"

namespace umbrella::server {

LoadWatch::LoadWatch(EventLoop& loop, const MediaPort& port, media::MediaPlane& plane)
    : loop_(loop), port_(port), plane_(plane) {
  timer_ = loop_.schedule(loop_.now() + sfu::kLoadTick, [this] { sample(); });
}

LoadWatch::~LoadWatch() {
  if (timer_) loop_.cancel(timer_);
}

void LoadWatch::sample() {
  timer_ = loop_.schedule(loop_.now() + sfu::kLoadTick, [this] { sample(); });
  DelayHistogram d = port_.forward_delays();
  uint64_t forwarded = d.count();
  uint64_t late = forwarded - d.count_below(sfu::LoadGovernor::kLateUs);
  uint64_t slow = forwarded - d.count_below(sfu::LoadGovernor::kSlowUs);
  uint64_t stale = port_.counters().stale_dropped;
  sfu::LoadSample s{forwarded - forwarded_, late - late_, slow - slow_, stale - stale_};
  forwarded_ = forwarded, late_ = late, slow_ = slow, stale_ = stale;
  int before = governor_.level();
  if (!governor_.on_sample(s, loop_.now())) return;
  plane_.set_load_level(governor_.level());
  LOG_WARN("media", "load level ", before, " -> ", governor_.level(), " (", s.late, " of ", s.forwarded,
           " copies waited over 65 ms, ", s.stale_dropped, " datagrams stale): ",
           governor_.level() >= sfu::kMaxLoadLevel ? "video paused, audio only"
           : governor_.level() > 0                 ? "simulcast layers lowered"
                                                   : "back to normal");
}

}  // namespace umbrella::server
