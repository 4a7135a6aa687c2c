#include "http_request.hpp"

#include <strings.h>

#include <cstdlib>
#include <cstring>

namespace umbrella::loadgen {
namespace {

// Case-insensitive header lookup in the head (status line + headers).
std::string header(const std::string& head, const char* name) {
  size_t n = std::strlen(name);
  size_t pos = head.find("\r\n");
  while (pos != std::string::npos && pos + 2 < head.size()) {
    size_t start = pos + 2;
    size_t end = head.find("\r\n", start);
    std::string line = head.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (line.size() > n && line[n] == ':' && ::strncasecmp(line.c_str(), name, n) == 0) {
      size_t v = n + 1;
      while (v < line.size() && line[v] == ' ') ++v;
      return line.substr(v);
    }
    pos = end;
  }
  return {};
}

// The response once `in` holds all of it (Content-Length, or the connection closed).
std::optional<Result<HttpResponse, std::string>> parse_response(const std::string& in, bool eof) {
  size_t head_end = in.find("\r\n\r\n");
  if (head_end == std::string::npos) {
    if (eof) return Result<HttpResponse, std::string>(Err{std::string("no complete response head")});
    return std::nullopt;
  }
  std::string head = in.substr(0, head_end);
  std::string len = header(head, "Content-Length");
  size_t want = len.empty() ? std::string::npos : std::strtoul(len.c_str(), nullptr, 10);
  if (!eof && (want == std::string::npos || in.size() < head_end + 4 + want)) return std::nullopt;
  if (head.size() < 12 || head.compare(0, 5, "HTTP/") != 0)
    return Result<HttpResponse, std::string>(Err{std::string("bad status line")});
  HttpResponse r;
  r.status = std::atoi(head.c_str() + 9);
  r.location = header(head, "Location");
  r.body = in.substr(head_end + 4, want);
  return Result<HttpResponse, std::string>(std::move(r));
}

}  // namespace

Result<std::unique_ptr<HttpRequest>, std::string> HttpRequest::post(EventLoop& loop, const ServerUrl& server,
                                                                   const tls::TlsClientConfig* tls,
                                                                   const std::string& path,
                                                                   const std::string& content_type,
                                                                   const std::string& body, Instant deadline,
                                                                   Handler& handler) {
  std::unique_ptr<HttpRequest> request(new HttpRequest(deadline, handler));
  auto s = connect_to_server(loop, *request, server, tls);
  if (!s) return Err{s.error()};
  request->stream_ = std::move(*s);
  request->stream_->write("POST " + path + " HTTP/1.1\r\nHost: " + host_header(server) +
                          "\r\nContent-Type: " + content_type + "\r\nContent-Length: " +
                          std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
  if (!request->stream_->flush()) return Err{request->stream_->describe()};
  return request;
}

size_t HttpRequest::on_stream_data(stream::TcpStream&, Bytes data) {
  if (result_) return data.size();
  in_.append(reinterpret_cast<const char*>(data.data()), data.size());
  if (auto r = parse_response(in_, false)) finish(std::move(*r));
  return data.size();
}

void HttpRequest::on_stream_eof(stream::TcpStream&) {
  if (!result_) finish(*parse_response(in_, true));  // at EOF there is always an answer
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
