// The process's one usrsctp instance, on our event loop: usrsctp keeps global state (its
// timer wheel, its address registry, its sysctls), so every association shares one Stack.
// It runs without threads of its own (usrsctp_init_nothreads): its timers advance only in
// on_timeout(), from the owner's clock, and packets leave through per-association outboxes.
//
// One thread only: usrsctp's global state is not ours to lock, so the Stack is bound to the
// thread that created it (the event loop thread, where transports live; media threads only
// encrypt and send RTP) and aborts on a call from any other. One Stack at a time per process.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"

namespace umbrella::sctp {

class Association;

class Stack {
 public:
  // The usrsctp timer tick: its timers fire at most this late.
  static constexpr Duration kTick = milliseconds(20);

  static Result<std::unique_ptr<Stack>, std::string> create(Instant now);
  ~Stack();
  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;

  // A tick after the last one while any association exists, else never.
  Instant next_deadline() const;
  // Advances usrsctp's clock to `now`, then lets each association that has packets or
  // events tell its listener (after usrsctp has returned, never from inside it).
  void on_timeout(Instant now);

  size_t associations() const { return registry_.size(); }
  // Aborts unless called on the Stack's thread.
  void check_thread() const;

  // For Association: the registry behind usrsctp's AF_CONN addresses (ids, never pointers,
  // so a packet usrsctp emits for a closed association finds nothing).
  uintptr_t add(Association* association);
  void remove(uintptr_t id);
  Association* find(uintptr_t id) const;
  void mark_ready(uintptr_t id) { ready_.push_back(id); }
  static void note_ready(uintptr_t id);  // from usrsctp's upcall: marks on the live Stack
  // A shared receive buffer (one thread): recvv copies into it, the association keeps only
  // what a message needs.
  std::vector<uint8_t>& receive_buffer() { return receive_buffer_; }

 private:
  explicit Stack(Instant now);
  std::thread::id thread_;
  Instant last_tick_;
  uintptr_t next_id_ = 1;
  std::unordered_map<uintptr_t, Association*> registry_;
  std::vector<uintptr_t> ready_;
  std::vector<uint8_t> receive_buffer_;
};

}  // namespace umbrella::sctp
