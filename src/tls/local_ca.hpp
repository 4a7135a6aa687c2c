// A local certificate authority for devices on the LAN to trust, and the names a
// server certificate for this machine should carry. `umbrella make-certs` uses
// make_local_ca_and_server_cert(); the server falls back to a self-signed
// certificate for default_names() when it has none.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "tls/certificate.hpp"

namespace umbrella::tls {

struct CertNames {
  std::string common_name;                // lower-case host name
  std::vector<std::string> dns_names;     // host, host.local, localhost
  std::vector<std::string> ip_addresses;  // textual IPv4/IPv6
};

// Names for `hostname`: "<hostname lower-case>", "<first label>.local", "localhost"
// (duplicates dropped), and the given IP addresses.
CertNames names_for_host(std::string_view hostname, std::vector<std::string> ip_addresses);
// names_for_host(gethostname(), net::interface_addresses()).
CertNames default_names();

// Writes into `dir` (created if missing):
//   ca.crt / ca.key            ECDSA P-256 CA, 10 years; reused if both already exist,
//                              so devices that trust it keep doing so;
//   service.crt / service.key  server certificate signed by the CA with SANs from
//                              names_for_host(hostname, ip_addresses); 825 days, the
//                              most Apple platforms accept.
// Keys are written with mode 0600. Returns true if a new CA was created, false if
// the existing one was reused.
Result<bool, std::string> make_local_ca_and_server_cert(const std::string& dir, std::string_view hostname,
                                                        const std::vector<std::string>& ip_addresses);

// The server's certificate: loaded from cert_path/key_path if both exist; if neither
// exists, a self-signed one for default_names() is generated and saved there (a
// failure to save is not fatal: `warning` says why). One file without the other is
// an error, as is a file that does not load.
struct ServiceCertificate {
  Certificate certificate;
  bool generated = false;
  std::string warning;
};
Result<ServiceCertificate, std::string> load_or_self_sign(const std::string& cert_path, const std::string& key_path);

}  // namespace umbrella::tls
