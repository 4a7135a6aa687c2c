#include "server/load_watch.hpp"

#include <time.h>

#include "core/log.hpp"

namespace umbrella::server {
namespace {
int64_t thread_cpu_ns() {
  timespec ts{};
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return 0;
  return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}
}  // namespace

LoadWatch::LoadWatch(EventLoop& loop, const MediaPort& port, media::MediaPlane& plane)
    : loop_(loop), port_(port), plane_(plane), cpu_ns_(thread_cpu_ns()), sampled_(loop.now()) {
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
  uint64_t stale = port_.counters().stale_dropped;
  // The loop's own thread (this one): it receives, routes and, with one media thread, encrypts
  // and sends every copy.
  int64_t cpu = thread_cpu_ns();
  Instant now = loop_.now();
  double wall = double(std::chrono::duration_cast<std::chrono::nanoseconds>(now - sampled_).count());
  sfu::LoadSample s{forwarded - forwarded_, late - late_, stale - stale_, wall > 0 ? double(cpu - cpu_ns_) / wall : 0};
  forwarded_ = forwarded, late_ = late, stale_ = stale, cpu_ns_ = cpu, sampled_ = now;
  int before = governor_.level();
  if (!governor_.on_sample(s, now)) return;
  plane_.set_load_level(governor_.level());
  LOG_WARN("media", "load level ", before, " -> ", governor_.level(), " (", s.late, " of ", s.forwarded,
           " copies waited over 65 ms, ", s.stale_dropped, " datagrams stale, media thread ", int(s.busy * 100),
           "% busy): ",
           governor_.level() >= sfu::kMaxLoadLevel ? "video paused, audio only"
           : governor_.level() > 0                 ? "simulcast layers lowered"
                                                   : "back to normal");
}

}  // namespace umbrella::server
