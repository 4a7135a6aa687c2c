#include "http_request.hpp"

namespace umbrella::loadgen {

Result<std::unique_ptr<HttpRequest>, std::string> HttpRequest::post(EventLoop& loop, const ServerUrl& server,
                                                                   const tls::TlsClientConfig* tls,
                                                                   const std::string& path,
                                                                   const std::string& content_type,
                                                                   const std::string& body, Instant deadline,
                                                                   Handler& handler) {
  return send(loop, server, tls,
              "POST " + path + " HTTP/1.1\r\nHost: " + host_header(server) + "\r\nContent-Type: " + content_type +
                  "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body,
              deadline, handler);
}

Result<std::unique_ptr<HttpRequest>, std::string> HttpRequest::get(EventLoop& loop, const ServerUrl& server,
                                                                  const tls::TlsClientConfig* tls,
                                                                  const std::string& path, Instant deadline,
                                                                  Handler& handler) {
  return send(loop, server, tls,
              "GET " + path + " HTTP/1.1\r\nHost: " + host_header(server) + "\r\nConnection: close\r\n\r\n",
              deadline, handler);
}

Result<std::unique_ptr<HttpRequest>, std::string> HttpRequest::send(EventLoop& loop, const ServerUrl& server,
                                                                   const tls::TlsClientConfig* tls, std::string head,
                                                                   Instant deadline, Handler& handler) {
  std::unique_ptr<HttpRequest> request(new HttpRequest(deadline, handler));
  auto s = connect_to_server(loop, *request, server, tls);
  if (!s) return Err{s.error()};
  request->stream_ = std::move(*s);
  request->stream_->write(std::move(head));
  if (!request->stream_->flush()) return Err{request->stream_->describe()};
  return request;
}

size_t HttpRequest::on_stream_data(stream::TcpStream&, Bytes data) {
  if (!result_) conclude(parser_.feed(data));
  return data.size();
}

void HttpRequest::on_stream_eof(stream::TcpStream&) {
  if (!result_) conclude(parser_.finish());
}

void HttpRequest::conclude(http::ResponseParser::State state) {
  using State = http::ResponseParser::State;
  if (state == State::kNeedMore) return;
  if (state == State::kError) return finish(Err{std::string(parser_.error())});
  http::Response r = parser_.take_response();
  HttpResponse out;
  out.status = r.status;
  out.location = std::string(http::find_header(r.headers, "location").value_or(""));
  out.body = std::move(r.body);
  finish(std::move(out));
}

void HttpRequest::on_stream_closed(stream::TcpStream& stream) {
  if (!result_) finish(Err{"connection to the SFU: " + stream.describe()});
}

void HttpRequest::finish(Result<HttpResponse, std::string> result) {
  if (result_) return;
  result_.emplace(std::move(result));
  handler_.on_http_done();
}

bool HttpRequest::check_timeout(Instant now) {
  if (result_ || now < deadline_) return false;
  result_.emplace(Err{std::string("timeout waiting for the response")});
  return true;
}

}  // namespace umbrella::loadgen
