// The process's SCTP stack (src/sctp) on the server's event loop: one loop timer drives
// usrsctp's timers while any association exists. Transports live on the loop thread, so
// every association does too (the media threads only encrypt and send RTP).
#pragma once

#include <memory>

#include "core/event_loop.hpp"
#include "sctp/stack.hpp"

namespace umbrella::server {

class SctpClock {
 public:
  static Result<std::unique_ptr<SctpClock>, std::string> create(EventLoop& loop);
  ~SctpClock();

  sctp::Stack& stack() { return *stack_; }
  // Call after creating an association: the stack's first deadline appears then.
  void arm();

 private:
  SctpClock(EventLoop& loop, std::unique_ptr<sctp::Stack> stack) : loop_(loop), stack_(std::move(stack)) {}
  EventLoop& loop_;
  std::unique_ptr<sctp::Stack> stack_;
  EventLoop::TimerId timer_ = 0;
};

}  // namespace umbrella::server
