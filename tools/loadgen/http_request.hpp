// One HTTP/1.1 POST (WHIP/WHEP) over a Connection (plain TCP or TLS), driven by the load
// generator's loop so a slow answer never stalls the media of peers already connected.
#pragma once

#include <optional>
#include <string>

#include "connection.hpp"
#include "core/result.hpp"
#include "core/time.hpp"

namespace umbrella::loadgen {

struct HttpResponse {
  int status = 0;
  std::string location;
  std::string body;
};

class HttpRequest {
 public:
  // Connects (blocking TCP connect) and sends the request. path includes the prefix.
  static Result<HttpRequest, std::string> post(const ServerUrl& server, const tls::TlsClientConfig* tls,
                                               const std::string& path, const std::string& content_type,
                                               const std::string& body, Instant deadline);
  int fd() const { return conn_.fd(); }
  // Reads what arrived; true once the response is complete or failed (see result()).
  bool on_readable();
  // Fails the request once the deadline passed; true when it did.
  bool check_timeout(Instant now);
  const Result<HttpResponse, std::string>& result() const { return *result_; }
  bool done() const { return result_.has_value(); }

 private:
  HttpRequest(Connection conn, Instant deadline) : conn_(std::move(conn)), deadline_(deadline) {}
  Connection conn_;
  Instant deadline_;
  std::string in_;
  std::optional<Result<HttpResponse, std::string>> result_;
};

}  // namespace umbrella::loadgen
