#include <doctest/doctest.h>

#include <string>

#include "stream/output_queue.hpp"

using namespace umbrella;
using umbrella::stream::OutputQueue;

namespace {
std::string contents(const OutputQueue& q) {
  iovec iov[64];
  size_t n = q.gather(iov, 64);
  std::string out;
  for (size_t i = 0; i < n; ++i) out.append(static_cast<const char*>(iov[i].iov_base), iov[i].iov_len);
  return out;
}
}  // namespace

TEST_CASE("output queue: bytes come out in order across chunks and partial sends") {
  OutputQueue q;
  CHECK(q.empty());
  q.append(std::string(10000, 'a'));  // large: its own chunk
  q.append(as_bytes(std::string_view("bc")));
  q.append(std::string("de"));
  CHECK(q.size() == 10004);
  q.consume(9999);
  CHECK(contents(q) == "abcde");
  q.consume(3);
  CHECK(contents(q) == "de");
  q.consume(2);
  CHECK(q.empty());
  CHECK(contents(q).empty());
}

TEST_CASE("output queue: a partial send moves an offset, never the waiting bytes") {
  OutputQueue q;
  std::string big(1 << 20, 'x');
  const char* where = big.data();
  q.append(std::move(big));  // moved in, not copied
  iovec iov[4];
  REQUIRE(q.gather(iov, 4) == 1);
  CHECK(iov[0].iov_base == where);
  q.consume(1000);
  REQUIRE(q.gather(iov, 4) == 1);
  CHECK(iov[0].iov_base == where + 1000);  // same buffer: nothing was shifted or copied
  CHECK(iov[0].iov_len == (1u << 20) - 1000);
}

TEST_CASE("output queue: small writes share a chunk, and gather respects its iovec bound") {
  OutputQueue q;
  for (int i = 0; i < 100; ++i) q.append(as_bytes(std::string_view("0123456789")));
  iovec iov[8];
  CHECK(q.gather(iov, 8) == 1);  // 1000 bytes coalesced
  for (int i = 0; i < 20; ++i) q.append(std::string(OutputQueue::kCoalesceBelow, char('a' + i)));
  CHECK(q.gather(iov, 8) == 8);
  CHECK(q.size() == 1000 + 20 * OutputQueue::kCoalesceBelow);
  // Sending everything in many steps yields exactly what went in.
  std::string expect(1000, '?');
  for (int i = 0; i < 100; ++i) expect.replace(size_t(i) * 10, 10, "0123456789");
  for (int i = 0; i < 20; ++i) expect += std::string(OutputQueue::kCoalesceBelow, char('a' + i));
  std::string got;
  while (!q.empty()) {
    size_t n = q.gather(iov, 3);
    size_t take = std::min<size_t>(iov[0].iov_len, 777);
    got.append(static_cast<const char*>(iov[0].iov_base), take);
    (void)n;
    q.consume(take);
  }
  CHECK(got == expect);
}
