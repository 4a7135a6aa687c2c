#include "core/worker_pool.hpp"

#include <sched.h>

#include <algorithm>

namespace umbrella {

namespace {

// Batches come back to back under load; a short spin before sleeping saves the futex
// round trip (several microseconds) without burning a core when idle.
constexpr int kSpins = 200;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

template <typename T>
void spin_then_wait(std::atomic<T>& value, T old) {
  for (int i = 0; i < kSpins; ++i) {
    if (value.load(std::memory_order_acquire) != old) return;
    cpu_relax();
  }
  while (value.load(std::memory_order_acquire) == old) value.wait(old, std::memory_order_acquire);
}

}  // namespace

WorkerPool::WorkerPool(size_t threads) {
  for (size_t i = 1; i < std::min(threads, kMaxThreads); ++i) threads_.emplace_back([this, i] { worker_main(i); });
}

WorkerPool::~WorkerPool() {
  stopping_.store(true, std::memory_order_release);
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();
  for (auto& t : threads_) t.join();
}

void WorkerPool::run_erased(void* job, Trampoline call) {
  if (threads_.empty()) {
    call(job, 0);
    return;
  }
  job_ = job;
  call_ = call;
  pending_.store(uint32_t(threads_.size()), std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_release);  // publishes job_ and call_
  generation_.notify_all();
  call(job, 0);
  for (uint32_t left = pending_.load(std::memory_order_acquire); left != 0;
       left = pending_.load(std::memory_order_acquire))
    spin_then_wait(pending_, left);
}

void WorkerPool::worker_main(size_t index) {
  uint32_t seen = 0;
  for (;;) {
    spin_then_wait(generation_, seen);
    seen = generation_.load(std::memory_order_acquire);
    if (stopping_.load(std::memory_order_acquire)) return;
    call_(job_, index);
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) pending_.notify_one();
  }
}

size_t WorkerPool::available_cpus() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return 1;
  int n = CPU_COUNT(&set);
  return n > 0 ? size_t(n) : 1;
}

}  // namespace umbrella
