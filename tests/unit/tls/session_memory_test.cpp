// Heap held by idle server sessions after the handshake. Reported, not asserted:
// the figure depends on mbedTLS's build (Debian's 2.28 has fixed 16 KiB record
// buffers in each direction; MBEDTLS_SSL_VARIABLE_BUFFER_LENGTH is off).
#include <doctest/doctest.h>

#include <malloc.h>
#include <vector>

#include "tls/certificate.hpp"
#include "tls/client_config.hpp"
#include "tls/server_config.hpp"
#include "tls/session.hpp"

using namespace umbrella;
using namespace umbrella::tls;

namespace {

size_t heap_in_use() {
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

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

TEST_CASE("tls session: heap per idle server session (measurement)") {
  auto cert = Certificate::generate_self_signed("mem.test", {"mem.test"}, {}, 1);
  REQUIRE(cert.ok());
  auto server_config = TlsServerConfig::create(std::move(cert).value());
  REQUIRE(server_config.ok());
  auto client_config = TlsClientConfig::insecure();
  REQUIRE(client_config.ok());

  constexpr size_t kSessions = 100;
  std::vector<TlsSession> servers;
  std::vector<TlsSession> clients;
  servers.reserve(kSessions);
  clients.reserve(kSessions);

  size_t before = heap_in_use();
  for (size_t i = 0; i < kSessions; ++i) {
    servers.push_back(TlsSession::server(*server_config));
    clients.push_back(TlsSession::client(*client_config, "mem.test"));
    handshake(clients.back(), servers.back());
    REQUIRE(servers.back().handshake_complete());
  }
  clients.clear();  // the clients' memory is not the server's concern
  size_t after = heap_in_use();
  // 0 under sanitizers, whose allocator mallinfo2 does not see.
  size_t per_session = after > before ? (after - before) / kSessions : 0;
  MESSAGE("heap per idle TLS server session after the handshake: " << per_session << " bytes ("
          << kSessions << " sessions, mallinfo2 delta, " << sizeof(TlsSession) << "-byte handle)");
}
