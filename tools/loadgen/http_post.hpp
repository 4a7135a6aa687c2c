// A blocking HTTP/1.1 POST over plain TCP, enough for WHIP/WHEP against a server in cloud
// mode (UMBRELLA_CLOUD=1: plain HTTP). Signalling only: never on the media path.
#pragma once

#include <string>

#include "core/result.hpp"

namespace umbrella::loadgen {

struct HttpResponse {
  int status = 0;
  std::string location;
  std::string body;
};

// host: IPv4 literal; path: "/whip/room". Times out after timeout_ms.
Result<HttpResponse, std::string> http_post(const std::string& host, uint16_t port, const std::string& path,
                                            const std::string& content_type, const std::string& body,
                                            int timeout_ms = 5000);

}  // namespace umbrella::loadgen
