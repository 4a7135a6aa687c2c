#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <stdlib.h>
#include <string>
#include <sys/stat.h>

#include "tls/client_config.hpp"
#include "tls/file_io.hpp"
#include "tls/local_ca.hpp"
#include "tls/server_config.hpp"
#include "tls/session.hpp"

using namespace umbrella;
using namespace umbrella::tls;

namespace {

std::string temp_dir() {
  char tmpl[] = "/tmp/umbrella-tls-ca-XXXXXX";
  char* d = mkdtemp(tmpl);
  REQUIRE(d != nullptr);
  return d;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

mode_t file_mode(const std::string& path) {
  struct stat st;
  REQUIRE(stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

// Full handshake of a client trusting `client_config` against `server_config` for `host`.
std::string connect(const TlsClientConfig& client_config, const TlsServerConfig& server_config,
                    const std::string& host) {
  TlsSession server = TlsSession::server(server_config);
  TlsSession client = TlsSession::client(client_config, host);
  for (int i = 0; i < 10; ++i) {
    server.feed(as_bytes(client.take_output()));
    uint8_t buf[64];
    (void)server.read(buf);
    client.feed(as_bytes(server.take_output()));
    (void)client.read(buf);
  }
  if (client.failed()) return client.error();
  return client.handshake_complete() ? "ok" : "incomplete";
}

}  // namespace

TEST_CASE("tls local CA: names for a host") {
  CertNames n = names_for_host("SFU-Box", {"192.0.2.5", "192.0.2.5"});
  CHECK(n.common_name == "sfu-box");
  CHECK(n.dns_names == std::vector<std::string>{"sfu-box", "sfu-box.local", "localhost"});
  CHECK(n.ip_addresses == std::vector<std::string>{"192.0.2.5"});

  CHECK(names_for_host("box.example.org.", {}).dns_names ==
        std::vector<std::string>{"box.example.org", "box.local", "localhost"});
  CHECK(names_for_host("pi.local", {}).dns_names == std::vector<std::string>{"pi.local", "localhost"});

  CertNames d = default_names();
  CHECK_FALSE(d.common_name.empty());
  CHECK(contains(d.dns_names, "localhost"));
  CHECK(contains(d.ip_addresses, "127.0.0.1"));
}

TEST_CASE("tls local CA: make-certs output is trusted through ca.crt") {
  std::string dir = temp_dir() + "/certs/sub";  // created on demand
  auto made = make_local_ca_and_server_cert(dir, "SFU-Box", {"127.0.0.1", "192.0.2.9"});
  REQUIRE_MESSAGE(made.ok(), (made.ok() ? "" : made.error()));
  CHECK(*made == true);
  CHECK(file_mode(dir + "/ca.key") == 0600);
  CHECK(file_mode(dir + "/service.key") == 0600);
  CHECK(file_mode(dir + "/ca.crt") == 0644);

  auto service = Certificate::load_pem_files(dir + "/service.crt", dir + "/service.key");
  REQUIRE(service.ok());
  auto server_config = TlsServerConfig::create(std::move(service).value());
  REQUIRE(server_config.ok());
  auto trusting = TlsClientConfig::with_ca_file(dir + "/ca.crt");
  REQUIRE_MESSAGE(trusting.ok(), (trusting.ok() ? "" : trusting.error()));
  for (const char* host : {"sfu-box", "sfu-box.local", "localhost", "127.0.0.1", "192.0.2.9"}) {
    CAPTURE(host);
    CHECK(connect(*trusting, *server_config, host) == "ok");
  }
  CHECK(connect(*trusting, *server_config, "elsewhere.local").find("not trusted") != std::string::npos);

  // A second run reuses the CA (devices keep trusting it) and issues a new service cert.
  auto ca_before = read_file(dir + "/ca.crt");
  auto again = make_local_ca_and_server_cert(dir, "sfu-box", {"192.0.2.10"});
  REQUIRE(again.ok());
  CHECK(*again == false);
  CHECK(*read_file(dir + "/ca.crt") == *ca_before);
  auto service2 = Certificate::load_pem_files(dir + "/service.crt", dir + "/service.key");
  REQUIRE(service2.ok());
  auto server_config2 = TlsServerConfig::create(std::move(service2).value());
  REQUIRE(server_config2.ok());
  CHECK(connect(*trusting, *server_config2, "192.0.2.10") == "ok");

  std::filesystem::remove_all(dir.substr(0, dir.find("/certs")));
}

TEST_CASE("tls local CA: load_or_self_sign generates once, then loads") {
  std::string dir = temp_dir();
  auto first = load_or_self_sign(dir + "/service.crt", dir + "/service.key");
  REQUIRE_MESSAGE(first.ok(), (first.ok() ? "" : first.error()));
  CHECK(first->generated);
  CHECK(first->warning.empty());
  auto second = load_or_self_sign(dir + "/service.crt", dir + "/service.key");
  REQUIRE(second.ok());
  CHECK_FALSE(second->generated);
  CHECK(second->certificate.fingerprint_sha256() == first->certificate.fingerprint_sha256());

  std::filesystem::remove(dir + "/service.key");
  auto half = load_or_self_sign(dir + "/service.crt", dir + "/service.key");
  REQUIRE_FALSE(half.ok());
  CHECK(half.error().rfind("cannot read " + dir + "/service.key: No such file or directory", 0) == 0);
  std::filesystem::remove_all(dir);
}
