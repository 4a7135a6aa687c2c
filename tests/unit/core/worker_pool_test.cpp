#include <doctest/doctest.h>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "core/worker_pool.hpp"

using namespace umbrella;

TEST_CASE("worker pool: every index runs once per run, on its own thread, and run() waits for all") {
  WorkerPool pool(4);
  REQUIRE(pool.size() == 4);
  std::vector<int> calls(4, 0);  // each index writes only its own slot
  std::vector<std::thread::id> ids(4);
  for (int round = 0; round < 2000; ++round) {
    auto job = [&](size_t i) {
      ++calls[i];
      ids[i] = std::this_thread::get_id();
    };
    pool.run(job);
    // Everything the jobs wrote is visible here, without further synchronisation.
    for (int c : calls) REQUIRE(c == round + 1);
  }
  CHECK(ids[0] == std::this_thread::get_id());
  CHECK(std::set<std::thread::id>(ids.begin(), ids.end()).size() == 4);
}

TEST_CASE("worker pool of one runs the job on the caller; no threads") {
  WorkerPool pool(1);
  CHECK(pool.size() == 1);
  std::thread::id ran;
  auto job = [&](size_t i) {
    CHECK(i == 0);
    ran = std::this_thread::get_id();
  };
  pool.run(job);
  CHECK(ran == std::this_thread::get_id());
}

TEST_CASE("worker pool: threads are capped and CPUs are counted") {
  WorkerPool pool(1000);
  CHECK(pool.size() == WorkerPool::kMaxThreads);
  CHECK(WorkerPool::available_cpus() >= 1);
}
