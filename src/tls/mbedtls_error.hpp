// mbedTLS error codes as readable text.
#pragma once

#include <string>

namespace umbrella::tls {

// "X509 - Certificate verification failed (-0x2700)"
std::string mbedtls_error_text(int ret);

}  // namespace umbrella::tls
