#include "tls/mbedtls_error.hpp"

#include <cstdio>

#include <mbedtls/error.h>

namespace umbrella::tls {

std::string mbedtls_error_text(int ret) {
  char text[160];
  mbedtls_strerror(ret, text, sizeof(text));
  char code[24];
  std::snprintf(code, sizeof(code), " (-0x%04x)", unsigned(ret < 0 ? -ret : ret));
  return std::string(text) + code;
}

}  // namespace umbrella::tls
