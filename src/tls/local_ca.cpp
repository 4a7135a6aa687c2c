#include "tls/local_ca.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

#include "net/interface_addresses.hpp"

namespace umbrella::tls {

namespace {

constexpr int kCaValidityDays = 3650;
constexpr int kServiceValidityDays = 825;
constexpr int kSelfSignedValidityDays = 825;

void add_unique(std::vector<std::string>& list, std::string value) {
  if (!value.empty() && std::find(list.begin(), list.end(), value) == list.end()) list.push_back(std::move(value));
}

bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

Result<bool, std::string> make_dirs(const std::string& dir) {
  std::string partial;
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = dir.find('/', pos + 1);
    partial = dir.substr(0, pos);
    if (partial.empty()) continue;
    if (::mkdir(partial.c_str(), 0755) != 0 && errno != EEXIST)
      return Err{"cannot create directory " + partial + ": " + std::strerror(errno)};
  }
  return true;
}

std::string local_hostname() {
  char name[256] = {};
  if (::gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

}  // namespace

CertNames names_for_host(std::string_view hostname, std::vector<std::string> ip_addresses) {
  std::string lower(hostname);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  while (!lower.empty() && lower.back() == '.') lower.pop_back();
  if (lower.empty()) lower = "localhost";
  CertNames names;
  names.common_name = lower;
  add_unique(names.dns_names, lower);
  bool is_mdns = lower.size() > 6 && lower.compare(lower.size() - 6, 6, ".local") == 0;
  if (!is_mdns) add_unique(names.dns_names, lower.substr(0, lower.find('.')) + ".local");
  add_unique(names.dns_names, "localhost");
  for (auto& ip : ip_addresses) add_unique(names.ip_addresses, std::move(ip));
  return names;
}

CertNames default_names() { return names_for_host(local_hostname(), net::interface_addresses()); }

Result<bool, std::string> make_local_ca_and_server_cert(const std::string& dir, std::string_view hostname,
                                                        const std::vector<std::string>& ip_addresses) {
  if (auto made = make_dirs(dir); !made) return made;
  const std::string ca_crt = dir + "/ca.crt", ca_key = dir + "/ca.key";
  CertNames names = names_for_host(hostname, ip_addresses);

  bool created_ca = false;
  auto ca = [&]() -> Result<Certificate, std::string> {
    if (exists(ca_crt) && exists(ca_key)) return Certificate::load_pem_files(ca_crt, ca_key);
    created_ca = true;
    return Certificate::generate_ca("Umbrella local CA (" + names.common_name + ")", kCaValidityDays);
  }();
  if (!ca) return Err{ca.error()};
  if (created_ca) {
    if (auto saved = ca->save_pem_files(ca_crt, ca_key); !saved) return saved;
  }

  auto service = Certificate::generate_signed_by(*ca, names.common_name, names.dns_names, names.ip_addresses,
                                                 kServiceValidityDays);
  if (!service) return Err{service.error()};
  if (auto saved = service->save_pem_files(dir + "/service.crt", dir + "/service.key"); !saved) return saved;
  return created_ca;
}

Result<ServiceCertificate, std::string> load_or_self_sign(const std::string& cert_path,
                                                          const std::string& key_path) {
  bool have_cert = exists(cert_path), have_key = exists(key_path);
  if (have_cert || have_key) {
    if (!have_cert) return Err{"cannot read " + cert_path + ": " + std::strerror(ENOENT) + " (but " + key_path + " exists)"};
    if (!have_key) return Err{"cannot read " + key_path + ": " + std::strerror(ENOENT) + " (but " + cert_path + " exists)"};
    auto loaded = Certificate::load_pem_files(cert_path, key_path);
    if (!loaded) return Err{loaded.error()};
    return ServiceCertificate{std::move(loaded).value(), false, {}};
  }
  CertNames names = default_names();
  auto cert = Certificate::generate_self_signed(names.common_name, names.dns_names, names.ip_addresses,
                                                kSelfSignedValidityDays);
  if (!cert) return Err{cert.error()};
  ServiceCertificate out{std::move(cert).value(), true, {}};
  if (auto saved = out.certificate.save_pem_files(cert_path, key_path); !saved) out.warning = saved.error();
  return out;
}

}  // namespace umbrella::tls
