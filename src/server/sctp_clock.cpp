#include "server/sctp_clock.hpp"

namespace umbrella::server {

Result<std::unique_ptr<SctpClock>, std::string> SctpClock::create(EventLoop& loop) {
  auto stack = sctp::Stack::create(loop.now());
  if (!stack) return Err{stack.error()};
  return std::unique_ptr<SctpClock>(new SctpClock(loop, std::move(*stack)));
}

SctpClock::~SctpClock() {
  if (timer_) loop_.cancel(timer_);
}

void SctpClock::arm() {
  Instant next = stack_->next_deadline();
  if (next == kNever) {
    if (timer_) loop_.cancel(timer_);
    timer_ = 0;
    return;
  }
  loop_.reschedule(timer_, next, [this] {
    timer_ = 0;
    stack_->on_timeout(loop_.now());
    arm();
  });
}

}  // namespace umbrella::server
