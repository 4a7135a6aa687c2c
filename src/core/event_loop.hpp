// The one place that waits: epoll over sockets, a timer queue on the monotonic clock
// (replaceable through TimeSource so tests can drive time), and signals via signalfd.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <unordered_map>
#include <vector>

#include "core/time.hpp"

namespace umbrella {

class EventLoop {
 public:
  using Callback = std::function<void()>;
  using FdCallback = std::function<void(uint32_t events)>;
  using TimerId = uint64_t;

  explicit EventLoop(const TimeSource& time);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  Instant now() const { return time_.now(); }

  // Registers fd (or changes its callback and events). events are EPOLLIN/EPOLLOUT/...
  bool watch(int fd, uint32_t events, FdCallback callback);
  bool set_events(int fd, uint32_t events);
  void unwatch(int fd);

  // Runs callback once at or after `when`. Returns an id for cancel(); ids are never reused.
  TimerId schedule(Instant when, Callback callback);
  void cancel(TimerId id);
  // Replaces *id with a timer at `when` (cancelling the old one); kNever just cancels.
  void reschedule(TimerId& id, Instant when, Callback callback);

  // SIGINT/SIGTERM and friends, delivered as ordinary events (signalfd), not async handlers.
  bool on_signal(int signo, Callback callback);

  // Called after every iteration's events and timers: where batched output (the UDP send
  // queue) is flushed, so whatever queued it — socket, timer or HTTP request — gets sent.
  void add_flusher(Callback flusher) { flushers_.push_back(std::move(flusher)); }

  void run();                          // until stop()
  void run_once(Duration max_wait);    // one epoll_wait + due timers
  void stop() { stopped_ = true; }
  bool stopped() const { return stopped_; }
  size_t watched_fds() const { return fds_.size(); }
  size_t pending_timers() const { return timers_.size(); }

 private:
  void run_due_timers();
  void handle_signals();

  const TimeSource& time_;
  int epoll_fd_ = -1;
  int signal_fd_ = -1;
  bool stopped_ = false;
  TimerId next_timer_id_ = 1;
  std::unordered_map<int, FdCallback> fds_;
  std::map<std::pair<Instant, TimerId>, Callback> timers_;
  std::unordered_map<TimerId, Instant> timer_when_;
  std::unordered_map<int, Callback> signals_;
  std::vector<Callback> flushers_;
};

}  // namespace umbrella
