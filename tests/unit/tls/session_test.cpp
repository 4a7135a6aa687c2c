#include <doctest/doctest.h>

#include <string>

#include "tls/certificate.hpp"
#include "tls/client_config.hpp"
#include "tls/server_config.hpp"
#include "tls/session.hpp"

using namespace umbrella;
using namespace umbrella::tls;

namespace {

// Moves ciphertext both ways until neither side has anything to send (bounded).
void pump(TlsSession& client, TlsSession& server, std::string* client_got = nullptr,
          std::string* server_got = nullptr) {
  for (int round = 0; round < 20; ++round) {
    std::string to_server = client.take_output();
    std::string to_client = server.take_output();
    if (to_server.empty() && to_client.empty() && round > 0) return;
    server.feed(as_bytes(to_server));
    client.feed(as_bytes(to_client));
    std::string sink;
    (void)server.read_all(server_got ? *server_got : sink);
    (void)client.read_all(client_got ? *client_got : sink);
  }
}

Certificate make_cert(std::vector<std::string> dns = {"sfu.test"}, std::vector<std::string> ips = {}) {
  auto cert = Certificate::generate_self_signed("sfu.test", dns, ips, 30);
  REQUIRE(cert.ok());
  return std::move(cert).value();
}

TlsServerConfig make_server(Certificate cert) {
  auto config = TlsServerConfig::create(std::move(cert));
  REQUIRE_MESSAGE(config.ok(), (config.ok() ? "" : config.error()));
  return std::move(config).value();
}

}  // namespace

TEST_CASE("tls session: handshake, data both ways, close_notify (pinned)") {
  TlsServerConfig server_config = make_server(make_cert());
  auto client_config = TlsClientConfig::with_pinned_fingerprint(server_config.certificate().fingerprint_sha256());
  REQUIRE(client_config.ok());

  TlsSession server = TlsSession::server(server_config);
  TlsSession client = TlsSession::client(*client_config, "sfu.test");
  CHECK(client.has_output());  // ClientHello
  // Written before the handshake completes: sent right after it.
  REQUIRE(client.write(std::string_view("GET / HTTP/1.1\r\n\r\n")).ok());

  std::string client_got, server_got;
  pump(client, server, &client_got, &server_got);
  REQUIRE_MESSAGE(client.handshake_complete(), client.error());
  REQUIRE_MESSAGE(server.handshake_complete(), server.error());
  CHECK(server_got == "GET / HTTP/1.1\r\n\r\n");
  CHECK(client.alpn_protocol() == "http/1.1");
  CHECK(server.alpn_protocol() == "http/1.1");
  CHECK(client.ciphersuite().find("ECDHE-ECDSA") != std::string::npos);
  CHECK(client.peer_fingerprint_sha256() == server_config.certificate().fingerprint_sha256());
  CHECK(server.peer_certificate_der().empty());

  // A large message spans several records and several read() calls.
  std::string big(50000, 'x');
  for (size_t i = 0; i < big.size(); ++i) big[i] = char('a' + i % 26);
  REQUIRE(server.write(std::string_view(big)).ok());
  pump(client, server, &client_got, &server_got);
  CHECK(client_got == big);

  // Small output buffer: one record handed out in pieces.
  REQUIRE(client.write(std::string_view("0123456789")).ok());
  server.feed(as_bytes(client.take_output()));
  uint8_t small[3];
  std::string pieces;
  for (int i = 0; i < 10; ++i) {
    auto n = server.read(small);
    REQUIRE(n.ok());
    if (*n == 0) break;
    pieces.append(reinterpret_cast<char*>(small), *n);
  }
  CHECK(pieces == "0123456789");

  client.close();
  CHECK_FALSE(client.write(std::string_view("late")).ok());
  server.feed(as_bytes(client.take_output()));
  std::string rest;
  REQUIRE(server.read_all(rest).ok());
  CHECK(server.peer_closed());
  CHECK_FALSE(server.failed());
}

TEST_CASE("tls session: client rejects a wrong pin with a clear error") {
  TlsServerConfig server_config = make_server(make_cert());
  std::string wrong(32 * 3 - 1, 'A');
  for (size_t i = 2; i < wrong.size(); i += 3) wrong[i] = ':';
  auto client_config = TlsClientConfig::with_pinned_fingerprint(wrong);
  REQUIRE(client_config.ok());
  TlsSession server = TlsSession::server(server_config);
  TlsSession client = TlsSession::client(*client_config, "sfu.test");
  REQUIRE(client.write(std::string_view("secret")).ok());
  std::string server_got;
  pump(client, server, nullptr, &server_got);
  REQUIRE(client.failed());
  CHECK(client.error() == "fingerprint mismatch: expected " + wrong + " got " +
                              server_config.certificate().fingerprint_sha256());
  CHECK(server_got.empty());  // nothing was sent after the mismatch
  CHECK_FALSE(client.handshake_complete());
  MESSAGE("server saw: " << server.error());
  CHECK((!server.handshake_complete() || server.failed()));
  CHECK_FALSE(client.write(std::string_view("x")).ok());
}

TEST_CASE("tls session: client rejects an untrusted self-signed certificate") {
  TlsServerConfig server_config = make_server(make_cert());
  Certificate other = make_cert();
  auto client_config = TlsClientConfig::with_ca_pem(other.cert_pem());
  REQUIRE(client_config.ok());
  TlsSession server = TlsSession::server(server_config);
  TlsSession client = TlsSession::client(*client_config, "sfu.test");
  pump(client, server);
  REQUIRE(client.failed());
  CHECK(client.error().rfind("certificate for sfu.test not trusted: ", 0) == 0);
  CHECK(client.error().find("not correctly signed") != std::string::npos);
  MESSAGE("untrusted: " << client.error());
  // The server learns why from the client's alert.
  CHECK(server.failed());
  MESSAGE("server saw: " << server.error());
}

TEST_CASE("tls session: the system CA bundle does not trust a self-signed certificate") {
  auto client_config = TlsClientConfig::with_system_ca();
  if (!client_config.ok()) {
    MESSAGE("no system CA bundle: " << client_config.error());
    return;
  }
  TlsServerConfig server_config = make_server(make_cert());
  TlsSession server = TlsSession::server(server_config);
  TlsSession client = TlsSession::client(*client_config, "sfu.test");
  pump(client, server);
  REQUIRE(client.failed());
  CHECK(client.error().rfind("certificate for sfu.test not trusted: ", 0) == 0);
}

TEST_CASE("tls session: trusting the certificate itself checks the host name and IP SANs") {
  TlsServerConfig server_config = make_server(make_cert({"sfu.test"}, {"192.0.2.1", "2001:db8::1"}));
  auto client_config = TlsClientConfig::with_ca_pem(server_config.certificate().cert_pem());
  REQUIRE(client_config.ok());
  struct Case { const char* host; bool ok; };
  for (Case c : {Case{"sfu.test", true}, Case{"192.0.2.1", true}, Case{"[2001:db8::1]", true},
                 Case{"other.test", false}, Case{"192.0.2.2", false}}) {
    CAPTURE(c.host);
    TlsSession server = TlsSession::server(server_config);
    TlsSession client = TlsSession::client(*client_config, c.host);
    pump(client, server);
    CHECK(client.handshake_complete() == c.ok);
    if (!c.ok) {
      CHECK(client.error() == std::string("certificate for ") + c.host +
                                  " not trusted: The certificate Common Name (CN) does not match with the expected CN");
    }
  }
}

TEST_CASE("tls session: CA mode without a host name is refused") {
  TlsServerConfig server_config = make_server(make_cert());
  auto client_config = TlsClientConfig::with_ca_pem(server_config.certificate().cert_pem());
  REQUIRE(client_config.ok());
  TlsSession client = TlsSession::client(*client_config, "");
  CHECK(client.failed());
  CHECK(client.error() == "TLS client needs the server's host name to verify its certificate");
  CHECK_FALSE(client.has_output());
}

TEST_CASE("tls session: insecure mode accepts anything") {
  TlsServerConfig server_config = make_server(make_cert());
  auto client_config = TlsClientConfig::insecure();
  REQUIRE(client_config.ok());
  TlsSession server = TlsSession::server(server_config);
  TlsSession client = TlsSession::client(*client_config, "whatever.example");
  pump(client, server);
  CHECK(client.handshake_complete());
  CHECK(server.handshake_complete());
}

TEST_CASE("tls session: garbage makes the server fail without crashing") {
  TlsServerConfig server_config = make_server(make_cert());
  std::string inputs[] = {
      "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
      std::string("\x16\x03\x01\x00\x05\x01\x00\x00\x01\x00", 10),
      std::string("\x16\x03\x03\xff\xff", 5) + std::string(20000, '\xab'),
      std::string(1, '\0'),
  };
  for (const auto& input : inputs) {
    TlsSession server = TlsSession::server(server_config);
    server.feed(as_bytes(input));
    uint8_t buf[256];
    auto r = server.read(buf);
    if (r.ok()) {  // maybe it only needs more bytes; more garbage then
      server.feed(as_bytes(std::string(400, '\x01')));
      r = server.read(buf);
    }
    CHECK_FALSE(r.ok());
    CHECK(server.failed());
    CHECK_FALSE(server.error().empty());
    MESSAGE("garbage -> " << server.error());
    if (input[0] == 'G') CHECK(server.error().find("plain HTTP") != std::string::npos);
    CHECK_FALSE(server.write(std::string_view("x")).ok());
    (void)server.take_output();  // may hold an alert
  }
}

TEST_CASE("tls session: mutated ClientHellos never crash the server") {
  TlsServerConfig server_config = make_server(make_cert());
  auto client_config = TlsClientConfig::insecure();
  REQUIRE(client_config.ok());
  std::string hello = TlsSession::client(*client_config, "sfu.test").take_output();
  REQUIRE(hello.size() > 50);
  uint32_t seed = 12345;
  auto next = [&seed] { seed = seed * 1103515245u + 12345u; return seed >> 8; };
  int failures = 0;
  for (int i = 0; i < 300; ++i) {
    std::string input = hello;
    int flips = 1 + int(next() % 4);
    for (int f = 0; f < flips; ++f) input[next() % input.size()] = char(next());
    if (i % 7 == 0) input.resize(next() % input.size());
    TlsSession server = TlsSession::server(server_config);
    server.feed(as_bytes(input));
    uint8_t buf[64];
    auto r = server.read(buf);
    failures += r.ok() ? 0 : 1;
    CHECK(r.ok() != server.failed());
    (void)server.take_output();
  }
  MESSAGE(failures << " of 300 mutated ClientHellos were rejected");
  CHECK(failures > 0);
}
