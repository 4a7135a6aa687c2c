#include "srtp/library.hpp"

#include <srtp2/srtp.h>

namespace umbrella::srtp {

bool ensure_library_initialized() {
  // A function-local static gives a thread-safe one-time call. srtp_shutdown is never
  // called: the library lives as long as the process.
  static const bool ok = srtp_init() == srtp_err_status_ok;
  return ok;
}

}  // namespace umbrella::srtp
