#include <doctest/doctest.h>

#include <string>

#include "http/response_parser.hpp"

namespace umbrella::http {
namespace {

using S = ResponseParser::State;

S feed(ResponseParser& p, std::string_view text) { return p.feed(as_bytes(text)); }

TEST_CASE("a response with Content-Length, fed a byte at a time") {
  std::string text = "HTTP/1.1 201 Created\r\nLocation: /whip/r/abc\r\nContent-Length: 5\r\n\r\nv=0\r\nEXTRA";
  ResponseParser p;
  S s = S::kNeedMore;
  for (size_t i = 0; i < text.size() && s == S::kNeedMore; ++i) s = feed(p, text.substr(i, 1));
  REQUIRE(s == S::kComplete);
  CHECK(p.response().status == 201);
  CHECK(find_header(p.response().headers, "LOCATION") == "/whip/r/abc");
  CHECK(p.response().body == "v=0\r\n");
}

TEST_CASE("a chunked response is de-chunked") {
  ResponseParser p;
  CHECK(feed(p, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"ja") == S::kNeedMore);
  CHECK(feed(p, "\r\n5\r\nnus\"}\r\n0\r\n\r\n") == S::kComplete);
  CHECK(p.response().body == "{\"janus\"}");
}

TEST_CASE("a body delimited by the connection's end") {
  ResponseParser p;
  CHECK(feed(p, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it") == S::kNeedMore);
  CHECK(p.finish() == S::kComplete);
  CHECK(p.response().body == "all of it");
  CHECK(p.response().content_type == "text/plain");
}

TEST_CASE("an empty header value does not swallow the next header's name") {
  ResponseParser p;
  CHECK(feed(p, "HTTP/1.1 204 No Content\r\nX-Empty:\r\nETag: \"1\"\r\n\r\n") == S::kComplete);
  CHECK(find_header(p.response().headers, "x-empty") == "");
  CHECK(find_header(p.response().headers, "etag") == "\"1\"");
}

TEST_CASE("bounds and malformed input are errors, not growth") {
  ResponseParser small(64, 8);
  CHECK(feed(small, "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n123456789") == S::kError);
  CHECK(std::string(small.error()) == "response over its size bounds");
  ResponseParser head(32, 1024);
  CHECK(feed(head, "HTTP/1.1 200 OK\r\nX-Long: " + std::string(64, 'a') + "\r\n\r\n") == S::kError);
  ResponseParser bad;
  CHECK(feed(bad, "HTTX/1.1 200 OK\r\n\r\n") == S::kError);
  ResponseParser status;
  CHECK(feed(status, "HTTP/1.1 99 Early\r\n\r\n") == S::kError);
  ResponseParser cut;
  CHECK(feed(cut, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc") == S::kNeedMore);
  CHECK(cut.finish() == S::kError);
  CHECK(cut.feed(as_bytes(std::string_view("more"))) == S::kError);  // finished stays finished
}

}  // namespace
}  // namespace umbrella::http
