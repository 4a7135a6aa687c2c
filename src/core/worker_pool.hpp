// Fork-join over a fixed set of threads, for the one job worth spreading over cores: SRTP
// protect and the send syscall of a batch of datagrams (95% of the instructions per
// forwarded packet). run(job) calls job(i) for every i in [0, size()), index 0 on the
// calling thread, and returns when all have returned. All SFU state stays on the event
// loop's thread; a job touches only what its index owns.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <thread>
#include <vector>

namespace umbrella {

class WorkerPool {
 public:
  static constexpr size_t kMaxThreads = 64;

  // `threads` counts the caller: 1 means no extra threads (run() is a plain call). At most
  // kMaxThreads.
  explicit WorkerPool(size_t threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  size_t size() const { return threads_.size() + 1; }

  template <typename Job>
  void run(Job& job) {
    run_erased(&job, [](void* j, size_t i) { (*static_cast<Job*>(j))(i); });
  }

  // The CPUs this process may run on (sched_getaffinity), at least 1.
  static size_t available_cpus();

 private:
  using Trampoline = void (*)(void*, size_t);
  void run_erased(void* job, Trampoline call);
  void worker_main(size_t index);

  std::vector<std::thread> threads_;
  void* job_ = nullptr;
  Trampoline call_ = nullptr;
  std::atomic<uint32_t> generation_{0};
  std::atomic<uint32_t> pending_{0};
  std::atomic<bool> stopping_{false};
};

}  // namespace umbrella
