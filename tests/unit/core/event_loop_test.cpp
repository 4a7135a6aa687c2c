#include <doctest/doctest.h>
#include <signal.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <vector>

#include "core/event_loop.hpp"

using namespace umbrella;

TEST_CASE("timers fire in order on a replaceable clock, and cancel works") {
  ManualTimeSource time;
  EventLoop loop(time);
  std::vector<int> fired;
  loop.schedule(time.now() + milliseconds(20), [&] { fired.push_back(2); });
  loop.schedule(time.now() + milliseconds(10), [&] { fired.push_back(1); });
  auto id = loop.schedule(time.now() + milliseconds(15), [&] { fired.push_back(99); });
  loop.cancel(id);
  loop.run_once(Duration::zero());
  CHECK(fired.empty());
  time.advance(milliseconds(25));
  loop.run_once(Duration::zero());
  CHECK(fired == std::vector<int>{1, 2});
  CHECK(loop.pending_timers() == 0);
}

TEST_CASE("reschedule keeps a single timer per owner") {
  ManualTimeSource time;
  EventLoop loop(time);
  int count = 0;
  EventLoop::TimerId id = 0;
  loop.reschedule(id, time.now() + milliseconds(5), [&] { ++count; });
  loop.reschedule(id, time.now() + milliseconds(7), [&] { ++count; });
  CHECK(loop.pending_timers() == 1);
  loop.reschedule(id, kNever, [] {});
  CHECK(loop.pending_timers() == 0);
}

TEST_CASE("fd readiness reaches the callback") {
  SystemTimeSource time;
  EventLoop loop(time);
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  int seen = 0;
  loop.watch(fds[0], EPOLLIN, [&](uint32_t) {
    char c;
    CHECK(read(fds[0], &c, 1) == 1);
    ++seen;
  });
  CHECK(write(fds[1], "x", 1) == 1);
  loop.run_once(milliseconds(100));
  CHECK(seen == 1);
  loop.unwatch(fds[0]);
  close(fds[0]);
  close(fds[1]);
}

TEST_CASE("signals arrive as events and stop the loop") {
  SystemTimeSource time;
  EventLoop loop(time);
  bool got = false;
  loop.on_signal(SIGUSR1, [&] { got = true; loop.stop(); });
  raise(SIGUSR1);  // blocked by on_signal, so it waits in the signalfd
  loop.run();
  CHECK(got);
}
