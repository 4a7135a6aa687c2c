#include "sctp/stack.hpp"

#include <usrsctp.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "sctp/association.hpp"

namespace umbrella::sctp {
namespace {

Stack* g_stack = nullptr;  // the live Stack; usrsctp's callbacks carry no context of ours
bool g_initialized = false;

// usrsctp hands every packet it sends here; `address` is an association's registry id.
int conn_output(void* address, void* buffer, size_t length, uint8_t /*tos*/, uint8_t /*set_df*/) {
  if (!g_stack) return 0;
  if (Association* a = g_stack->find(reinterpret_cast<uintptr_t>(address)))
    a->queue_packet({static_cast<const uint8_t*>(buffer), length});
  return 0;  // a packet for a closed association is dropped: SCTP treats it as lost
}

void init_usrsctp() {
  if (g_initialized) return;
  // Once per process; never usrsctp_finish(): it fails while closed sockets linger, and
  // usrsctp cannot be initialised a second time in one process anyway.
  usrsctp_init_nothreads(0, conn_output, nullptr);
  usrsctp_sysctl_set_sctp_pr_enable(1);   // partial reliability (RFC 3758)
  usrsctp_sysctl_set_sctp_ecn_enable(0);  // DTLS hides the IP header's ECN bits
  usrsctp_sysctl_set_sctp_asconf_enable(0);
  usrsctp_sysctl_set_sctp_auth_enable(0);  // DTLS authenticates every packet
  // Timers as WebRTC stacks tune them (RFC 8831 6.2 lets the RTO max be lower): a lost
  // DTLS record costs 200 ms at least, a dead peer is noticed within a minute.
  usrsctp_sysctl_set_sctp_delayed_sack_time_default(20);
  usrsctp_sysctl_set_sctp_rto_min_default(200);
  usrsctp_sysctl_set_sctp_rto_max_default(10000);
  usrsctp_sysctl_set_sctp_init_rto_max_default(10000);
  usrsctp_sysctl_set_sctp_rto_initial_default(1000);
  usrsctp_sysctl_set_sctp_init_rtx_max_default(5);
  usrsctp_sysctl_set_sctp_assoc_rtx_max_default(5);
  usrsctp_sysctl_set_sctp_path_rtx_max_default(5);
  usrsctp_sysctl_set_sctp_heartbeat_interval_default(10000);
  // Bound what one association may queue (chunks, not bytes; the socket buffers bound bytes).
  usrsctp_sysctl_set_sctp_max_chunks_on_queue(1024);
  g_initialized = true;
}

}  // namespace

Result<std::unique_ptr<Stack>, std::string> Stack::create(Instant now) {
  if (g_stack) return Err{std::string("an SCTP stack already exists in this process")};
  init_usrsctp();
  std::unique_ptr<Stack> s(new Stack(now));
  g_stack = s.get();
  return s;
}

Stack::Stack(Instant now) : thread_(std::this_thread::get_id()), last_tick_(now), receive_buffer_(16384) {}

Stack::~Stack() {
  check_thread();
  if (!registry_.empty()) {
    std::fprintf(stderr, "sctp: Stack destroyed before its %zu associations\n", registry_.size());
    std::abort();
  }
  g_stack = nullptr;
}

void Stack::check_thread() const {
  if (std::this_thread::get_id() != thread_) {
    std::fprintf(stderr, "sctp: usrsctp used from a thread other than its event loop's\n");
    std::abort();
  }
}

Instant Stack::next_deadline() const { return registry_.empty() ? kNever : last_tick_ + kTick; }

void Stack::on_timeout(Instant now) {
  check_thread();
  if (now <= last_tick_) return;
  auto elapsed = std::chrono::duration_cast<milliseconds>(now - last_tick_);
  if (elapsed.count() == 0) return;
  last_tick_ += elapsed;
  if (registry_.empty()) return;
  usrsctp_handle_timers(uint32_t(std::min<int64_t>(elapsed.count(), 60'000)));
  // Each association drains its socket and tells its listener; one may close another
  // (a listener's reaction), so ids are looked up again each time.
  std::vector<uintptr_t> ready;
  ready.swap(ready_);
  std::sort(ready.begin(), ready.end());
  ready.erase(std::unique(ready.begin(), ready.end()), ready.end());
  for (uintptr_t id : ready)
    if (Association* a = find(id)) a->after_timers();
}

void Stack::note_ready(uintptr_t id) {
  if (g_stack) g_stack->mark_ready(id);
}

uintptr_t Stack::add(Association* association) {
  check_thread();
  uintptr_t id = next_id_++;
  registry_.emplace(id, association);
  return id;
}

void Stack::remove(uintptr_t id) {
  registry_.erase(id);
  std::erase(ready_, id);
}

Association* Stack::find(uintptr_t id) const {
  auto it = registry_.find(id);
  return it == registry_.end() ? nullptr : it->second;
}

}  // namespace umbrella::sctp
