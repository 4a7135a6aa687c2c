// One HTTP/1.1 POST (WHIP/WHEP, Janus's API) or GET (Janus's long poll) over a stream::TcpStream (plain TCP or TLS), driven by the
// load generator's loop so a slow answer never stalls the media of peers already connected.
// The response may come by Content-Length, chunked or until the connection closes.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/event_loop.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "http/response_parser.hpp"
#include "server_url.hpp"
#include "stream/tcp_stream.hpp"

namespace umbrella::loadgen {

struct HttpResponse {
  int status = 0;
  std::string location;
  std::string body;
};

class HttpRequest final : stream::TcpStream::Owner {
 public:
  struct Handler {
    virtual ~Handler() = default;
    // The response is complete or the request failed (result()); called from the loop, and
    // the handler may destroy the request in it.
    virtual void on_http_done() = 0;
  };

  // Starts connecting and queues the request. path includes the prefix.
  static Result<std::unique_ptr<HttpRequest>, std::string> post(EventLoop& loop, const ServerUrl& server,
                                                                const tls::TlsClientConfig* tls, const std::string& path,
                                                                const std::string& content_type,
                                                                const std::string& body, Instant deadline,
                                                                Handler& handler);
  static Result<std::unique_ptr<HttpRequest>, std::string> get(EventLoop& loop, const ServerUrl& server,
                                                               const tls::TlsClientConfig* tls, const std::string& path,
                                                               Instant deadline, Handler& handler);
  // Fails the request once the deadline passed; true when it did (no on_http_done then).
  bool check_timeout(Instant now);
  const Result<HttpResponse, std::string>& result() const { return *result_; }
  bool done() const { return result_.has_value(); }

 private:
  HttpRequest(Instant deadline, Handler& handler) : deadline_(deadline), handler_(handler) {}
  static Result<std::unique_ptr<HttpRequest>, std::string> send(EventLoop& loop, const ServerUrl& server,
                                                                const tls::TlsClientConfig* tls, std::string head,
                                                                Instant deadline, Handler& handler);
  // stream::TcpStream::Owner
  size_t on_stream_data(stream::TcpStream& stream, Bytes data) override;
  void on_stream_eof(stream::TcpStream& stream) override;
  void on_stream_closed(stream::TcpStream& stream) override;
  // Finishes once the parser has a response or an error.
  void conclude(http::ResponseParser::State state);
  // Keeps the first result and tells the handler (its last step: the handler may destroy us).
  void finish(Result<HttpResponse, std::string> result);

  Instant deadline_;
  Handler& handler_;
  std::unique_ptr<stream::TcpStream> stream_;
  http::ResponseParser parser_;
  std::optional<Result<HttpResponse, std::string>> result_;
};

}  // namespace umbrella::loadgen
