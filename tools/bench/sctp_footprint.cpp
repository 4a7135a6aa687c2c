// Memory per idle SCTP association and per open data channel: N in-memory association pairs
// on virtual time (src/sctp, usrsctp underneath), RSS read from /proc/self/status before,
// after connecting, and after opening K channels on each pair with one message each way.
// Usage: sctp_footprint [pairs=50] [channels=8]
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "sctp/data_channels.hpp"
#include "sctp/stack.hpp"

using namespace umbrella;
using namespace umbrella::sctp;

namespace {

long rss_kib() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  return 0;
}

struct Pair {
  std::unique_ptr<DataChannels> a, b;
};

void shuttle(std::vector<Pair>& pairs) {
  for (int round = 0; round < 50; ++round) {
    bool moved = false;
    for (auto& p : pairs) {
      for (auto& pkt : p.a->take_packets()) p.b->receive(pkt), moved = true;
      for (auto& pkt : p.b->take_packets()) p.a->receive(pkt), moved = true;
      (void)p.a->take_events();
      (void)p.b->take_events();
    }
    if (!moved) return;
  }
}

}  // namespace

int main(int argc, char** argv) {
  int pairs_n = argc > 1 ? std::atoi(argv[1]) : 50;
  int channels = argc > 2 ? std::atoi(argv[2]) : 8;
  Instant now = Instant{} + seconds(1);
  auto stack = Stack::create(now);
  if (!stack) return 1;
  AssociationConfig config;
  config.streams = 128;
  auto make = [&](bool client) {
    auto r = DataChannels::create(**stack, config, client);
    if (!r) std::exit(1);
    return std::move(*r);
  };
  // usrsctp's first association allocates its global zones: start from one live pair.
  std::vector<Pair> warm(1);
  warm[0].a = make(true);
  warm[0].b = make(false);
  shuttle(warm);
  long base = rss_kib();
  std::vector<Pair> pairs(static_cast<size_t>(pairs_n));
  for (auto& p : pairs) {
    p.a = make(true);
    p.b = make(false);
  }
  for (int i = 0; i < 20; ++i) {
    shuttle(pairs);
    now += Stack::kTick;
    (*stack)->on_timeout(now);
  }
  long connected = rss_kib();
  for (auto& p : pairs)
    for (int c = 0; c < channels; ++c) {
      auto id = p.a->open({"bench" + std::to_string(c), "", {}});
      if (id) (void)p.a->send(*id, false, as_bytes("hello"));
    }
  for (int i = 0; i < 20; ++i) {
    shuttle(pairs);
    now += Stack::kTick;
    (*stack)->on_timeout(now);
  }
  for (auto& p : pairs)
    for (uint16_t id = 0; id < 2 * channels; id += 2) (void)p.b->send(id, false, as_bytes("back"));
  for (int i = 0; i < 20; ++i) {
    shuttle(pairs);
    now += Stack::kTick;
    (*stack)->on_timeout(now);
  }
  long open = rss_kib();
  int up = 0;
  for (auto& p : pairs) up += p.a->up() && p.b->up();
  std::printf("%d association pairs up of %d (%d associations), %d channels each\n", up, pairs_n, 2 * pairs_n, channels);
  std::printf("RSS per idle association: %.1f KiB\n", double(connected - base) / (2 * pairs_n));
  std::printf("RSS per open channel (both ends, one message each way): %.2f KiB\n",
              double(open - connected) / (pairs_n * channels));
  pairs.clear();
  warm.clear();
  return 0;
}
