// IceLiteAgent cost per valid binding request: parse, USERNAME + MESSAGE-INTEGRITY check,
// success response with XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY and FINGERPRINT.
// Prints the median and p99 of per-request times measured over batches. Budget: < 5 us median.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "ice/lite_agent.hpp"
#include "stun/builder.hpp"

using namespace umbrella;

namespace {

constexpr int kIterations = 200000;
constexpr int kBatch = 100;

std::vector<uint8_t> browser_like_check(const ice::Credentials& server, const ice::Credentials& client) {
  std::vector<uint8_t> out(256);
  stun::TransactionId tid = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  stun::MessageBuilder b(out, stun::method::kBinding, stun::MessageClass::kRequest, tid);
  b.add_bytes(0xC057, std::array<uint8_t, 4>{0, 1, 0, 10});  // GOOG-NETWORK-INFO, as Chrome sends
  b.add_ice_controlling(0x1122334455667788ull);
  b.add_use_candidate();
  b.add_priority(0x6E7F1EFF);
  b.add_username(server.ufrag + ":" + client.ufrag);
  b.add_message_integrity(as_bytes(server.pwd));
  b.add_fingerprint();
  out.resize(b.finish());
  return out;
}

}  // namespace

int main() {
  auto server = ice::generate_credentials();
  auto client = ice::generate_credentials();
  Instant now = Clock::now();
  ice::IceLiteAgent agent(server, client, now);
  auto request = browser_like_check(server, client);
  auto from = *SocketAddress::parse("192.0.2.1:50000");
  std::vector<uint8_t> out(256);

  size_t expected = agent.handle_stun(request, from, now, out).response_size;  // warm-up
  size_t checksum = 0;
  std::vector<double> per_request_ns;
  per_request_ns.reserve(kIterations / kBatch);
  for (int i = 0; i < kIterations / kBatch; ++i) {
    auto start = std::chrono::steady_clock::now();
    for (int j = 0; j < kBatch; ++j) checksum += agent.handle_stun(request, from, now, out).response_size;
    auto elapsed = std::chrono::steady_clock::now() - start;
    per_request_ns.push_back(std::chrono::duration<double, std::nano>(elapsed).count() / kBatch);
  }
  if (expected == 0 || checksum != size_t(kIterations) * expected || agent.state() != ice::State::kConnected) {
    std::fprintf(stderr, "unexpected agent behaviour (checksum %zu)\n", checksum);
    return 1;
  }
  std::sort(per_request_ns.begin(), per_request_ns.end());
  double median = per_request_ns[per_request_ns.size() / 2];
  double p99 = per_request_ns[per_request_ns.size() * 99 / 100];
  std::printf("stun_bench: IceLiteAgent binding request -> response, %d requests (%zu-byte request)\n",
              kIterations, request.size());
  std::printf("  median %.0f ns/request, p99 %.0f ns/request (budget: median < 5000 ns)\n", median, p99);
  return median < 5000 ? 0 : 2;
}
