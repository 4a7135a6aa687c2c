// The HTTPS certificate for local (edge) mode: service.crt/service.key when present, else a
// self-signed ECDSA P-256 certificate for this host, generated once and saved.
#pragma once

#include <string>

#include "core/result.hpp"
#include "server/config.hpp"
#include "tls/certificate.hpp"

namespace umbrella::server {

Result<tls::Certificate, std::string> load_or_create_https_certificate(const Config& config);

}  // namespace umbrella::server
