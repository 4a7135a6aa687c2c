// Heap held by idle server sessions after the handshake: every signalling client (browser,
// WHIP/WHEP client, trunk) holds one, so it bounds memory per subscriber. Budget 48 KiB per
// session; today ~37 KiB with Debian's mbedTLS 2.28 (16 KiB record buffers each way) and less
// with the static builds' minimal mbedTLS (8 KiB out). Measured as the heap's bytes in use
// before and after (glibc's mallinfo2, or the sanitizer allocator's count under ASan, which
// mallinfo2 does not see).
#include <doctest/doctest.h>

#include <malloc.h>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#define UMBRELLA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UMBRELLA_ASAN 1
#endif
#endif
#ifdef UMBRELLA_ASAN
// libasan exports it; GCC ships no sanitizer/allocator_interface.h to declare it.
extern "C" size_t __sanitizer_get_current_allocated_bytes();
#endif

#include "tls/certificate.hpp"
#include "tls/client_config.hpp"
#include "tls/server_config.hpp"
#include "tls/session.hpp"

using namespace umbrella;
using namespace umbrella::tls;

namespace {

size_t heap_in_use() {
#ifdef UMBRELLA_ASAN
  return __sanitizer_get_current_allocated_bytes();
#else
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
#endif
}

constexpr size_t kBudgetPerSession = 48 * 1024;
// The 16 KiB input record buffer alone: a figure below it means the count missed mbedTLS's heap.
constexpr size_t kAtLeastPerSession = 16 * 1024;

void handshake(TlsSession& client, TlsSession& server) {
  for (int round = 0; round < 10 && !(client.handshake_complete() && server.handshake_complete()); ++round) {
    server.feed(as_bytes(client.take_output()));
    uint8_t buf[64];
    (void)server.read(buf);
    client.feed(as_bytes(server.take_output()));
    (void)client.read(buf);
  }
}

}  // namespace

TEST_CASE("tls session: an idle server session holds at most 48 KiB of heap after the handshake") {
  auto cert = Certificate::generate_self_signed("mem.test", {"mem.test"}, {}, 1);
  REQUIRE(cert.ok());
  auto server_config = TlsServerConfig::create(std::move(cert).value());
  REQUIRE(server_config.ok());
  auto client_config = TlsClientConfig::insecure();
  REQUIRE(client_config.ok());

  constexpr size_t kSessions = 20;
  std::vector<TlsSession> servers;
  servers.reserve(kSessions);

  size_t before = heap_in_use();
  for (size_t i = 0; i < kSessions; ++i) {
    // The client lives only for the handshake: its memory is not the server's concern.
    auto client = TlsSession::client(*client_config, "mem.test");
    servers.push_back(TlsSession::server(*server_config));
    handshake(client, servers.back());
    REQUIRE(servers.back().handshake_complete());
  }
  size_t after = heap_in_use();
  REQUIRE(after > before);
  size_t per_session = (after - before) / kSessions;
  MESSAGE("heap per idle TLS server session after the handshake: " << per_session << " bytes ("
          << kSessions << " sessions, " << sizeof(TlsSession) << "-byte handle)");
  CHECK(per_session >= kAtLeastPerSession);
  CHECK(per_session <= kBudgetPerSession);
}
