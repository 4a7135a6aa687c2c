#include "core/event_loop.hpp"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <vector>

#include "core/log.hpp"

namespace umbrella {

EventLoop::EventLoop(const TimeSource& time) : time_(time), epoll_fd_(epoll_create1(EPOLL_CLOEXEC)) {
  if (epoll_fd_ < 0) LOG_ERROR("loop", "epoll_create1 failed: errno ", errno);
}

EventLoop::~EventLoop() {
  if (signal_fd_ >= 0) close(signal_fd_);
  if (epoll_fd_ >= 0) close(epoll_fd_);
}

bool EventLoop::watch(int fd, uint32_t events, FdCallback callback) {
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  bool existing = fds_.count(fd) != 0;
  if (epoll_ctl(epoll_fd_, existing ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev) != 0) return false;
  fds_[fd] = std::move(callback);
  return true;
}

bool EventLoop::set_events(int fd, uint32_t events) {
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  return epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev) == 0;
}

void EventLoop::unwatch(int fd) {
  if (fds_.erase(fd)) epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
}

EventLoop::TimerId EventLoop::schedule(Instant when, Callback callback) {
  TimerId id = next_timer_id_++;
  timers_.emplace(std::make_pair(when, id), std::move(callback));
  timer_when_.emplace(id, when);
  return id;
}

void EventLoop::cancel(TimerId id) {
  auto it = timer_when_.find(id);
  if (it == timer_when_.end()) return;
  timers_.erase({it->second, id});
  timer_when_.erase(it);
}

void EventLoop::reschedule(TimerId& id, Instant when, Callback callback) {
  if (id) {
    auto it = timer_when_.find(id);
    if (it != timer_when_.end() && it->second == when) return;  // already due then
    cancel(id);
  }
  id = when == kNever ? 0 : schedule(when, std::move(callback));
}

bool EventLoop::on_signal(int signo, Callback callback) {
  signals_[signo] = std::move(callback);
  sigset_t mask;
  sigemptyset(&mask);
  for (auto& [s, _] : signals_) sigaddset(&mask, s);
  if (sigprocmask(SIG_BLOCK, &mask, nullptr) != 0) return false;
  bool first = signal_fd_ < 0;
  signal_fd_ = signalfd(signal_fd_, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  if (signal_fd_ < 0) return false;
  if (first) watch(signal_fd_, EPOLLIN, [this](uint32_t) { handle_signals(); });
  return true;
}

void EventLoop::handle_signals() {
  signalfd_siginfo info;
  while (read(signal_fd_, &info, sizeof(info)) == ssize_t(sizeof(info))) {
    auto it = signals_.find(int(info.ssi_signo));
    if (it != signals_.end()) it->second();
  }
}

void EventLoop::run_due_timers() {
  // Bounded per pass: a timer that re-arms itself for "now" cannot starve I/O.
  Instant now = time_.now();
  for (size_t budget = timers_.size(); budget > 0 && !timers_.empty(); --budget) {
    auto it = timers_.begin();
    if (it->first.first > now) break;
    Callback cb = std::move(it->second);
    timer_when_.erase(it->first.second);
    timers_.erase(it);
    cb();
  }
}

void EventLoop::run_once(Duration max_wait) {
  Instant now = time_.now();
  Duration wait = max_wait;
  if (!timers_.empty()) {
    Instant next = timers_.begin()->first.first;
    wait = next <= now ? Duration::zero() : std::min(wait, Duration(next - now));
  }
  // Round up so we never wake a hair before a timer is due and spin.
  int timeout_ms = int((wait.count() + 999'999) / 1'000'000);
  std::array<epoll_event, 64> events;
  int n = epoll_wait(epoll_fd_, events.data(), int(events.size()), timeout_ms);
  for (int i = 0; i < n; ++i) {
    auto it = fds_.find(events[i].data.fd);
    if (it == fds_.end()) continue;
    // Copy: the callback may unwatch itself.
    FdCallback cb = it->second;
    cb(events[i].events);
  }
  run_due_timers();
  for (auto& flush : flushers_) flush();
}

void EventLoop::run() {
  stopped_ = false;
  while (!stopped_) run_once(seconds(1));
}

}  // namespace umbrella
