#include "server/https_certificate.hpp"

#include <sys/stat.h>

#include "core/log.hpp"
#include "tls/local_ca.hpp"

namespace umbrella::server {
namespace {
bool exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}
}  // namespace

Result<tls::Certificate, std::string> load_or_create_https_certificate(const Config& config) {
  bool have_cert = exists(config.cert_file), have_key = exists(config.key_file);
  if (have_cert && have_key) {
    auto c = tls::Certificate::load_pem_files(config.cert_file, config.key_file);
    if (!c) return Err{c.error() + " (fix the file, or remove both " + config.cert_file + " and " + config.key_file +
                       " to generate a new self-signed one)"};
    LOG_INFO("https", "certificate ", config.cert_file, " SHA-256 ", c->fingerprint_sha256());
    return c;
  }
  if (have_cert != have_key)
    return Err{"found " + (have_cert ? config.cert_file : config.key_file) + " but not " +
               (have_cert ? config.key_file : config.cert_file) +
               ": provide both (UMBRELLA_CERT_FILE/UMBRELLA_KEY_FILE) or neither to generate one"};
  auto names = tls::default_names();
  auto c = tls::Certificate::generate_self_signed(names.common_name,
                                                  names.dns_names, names.ip_addresses, 825);
  if (!c) return Err{"cannot generate a certificate: " + c.error()};
  if (auto saved = c->save_pem_files(config.cert_file, config.key_file); !saved)
    return Err{"cannot save the generated certificate: " + saved.error() + " (run from a writable directory)"};
  std::string dns;
  for (auto& n : names.dns_names) dns += (dns.empty() ? "" : ", ") + n;
  LOG_INFO("https", "generated a self-signed certificate for ", dns, " in ", config.cert_file, " and ",
           config.key_file);
  LOG_INFO("https", "its SHA-256 fingerprint is ", c->fingerprint_sha256(),
           "; browsers will warn until you trust it: import ", config.cert_file,
           " on each device, or make a local CA with `umbrella make-certs` and trust its ca.crt");
  return c;
}

}  // namespace umbrella::server
