#include <doctest/doctest.h>

#include <string>

#include "http/request_parser.hpp"

using namespace umbrella;
using namespace umbrella::http;
using State = RequestParser::State;

namespace {

// Feeds all of `text`, collecting requests; stops at an error or upgrade.
struct Collected {
  std::vector<Request> requests;
  State last = State::kNeedMore;
  size_t consumed = 0;
};

Collected feed_all(RequestParser& p, std::string_view text, size_t step = 0) {
  Collected c;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t n = step ? std::min(step, text.size() - pos) : text.size() - pos;
    std::string_view piece = text.substr(pos, n);
    while (true) {
      auto r = p.feed(as_bytes(piece));
      pos += r.consumed;
      piece.remove_prefix(r.consumed);
      c.last = r.state;
      if (r.state == State::kRequest) {
        c.requests.push_back(p.take_request());
        continue;
      }
      if (r.state == State::kUpgrade) c.requests.push_back(p.take_request());
      if (r.state != State::kNeedMore) {
        c.consumed = pos;
        return c;
      }
      break;
    }
  }
  c.consumed = pos;
  return c;
}

}  // namespace

TEST_CASE("http parser: simple GET") {
  RequestParser p;
  auto c = feed_all(p, "GET /api/rooms?x=1 HTTP/1.1\r\nHost: a\r\nUser-Agent:  curl/8 \r\n\r\n");
  REQUIRE(c.requests.size() == 1);
  const Request& r = c.requests[0];
  CHECK(r.method == "GET");
  CHECK(r.target == "/api/rooms?x=1");
  CHECK(r.path == "/api/rooms");
  CHECK(r.query == "x=1");
  CHECK(r.header("user-agent") == "curl/8");
  CHECK(r.headers[0].first == "host");
  CHECK(r.keep_alive);
  CHECK_FALSE(r.upgrade);
  CHECK(r.body.empty());
  CHECK(c.last == State::kNeedMore);
}

TEST_CASE("http parser: pipelined requests come out one at a time") {
  RequestParser p;
  std::string two =
      "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
      "GET /b HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
  auto r1 = p.feed(as_bytes(two));
  CHECK(r1.state == State::kRequest);
  CHECK(r1.consumed == two.find("GET"));
  CHECK(p.feed(as_bytes(std::string_view(two).substr(r1.consumed))).state == State::kRequest);  // waits
  Request a = p.take_request();
  CHECK(a.body == "hello");
  auto r2 = p.feed(as_bytes(std::string_view(two).substr(r1.consumed)));
  CHECK(r2.state == State::kRequest);
  CHECK(r1.consumed + r2.consumed == two.size());
  Request b = p.take_request();
  CHECK(b.path == "/b");
  CHECK_FALSE(b.keep_alive);
}

TEST_CASE("http parser: byte at a time") {
  RequestParser p;
  std::string text =
      "POST /whip/room HTTP/1.1\r\nHost: example\r\nContent-Type: application/sdp\r\n"
      "Content-Length: 10\r\n\r\nv=0\r\no=- 1\r\n"
      "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  auto c = feed_all(p, text, 1);
  REQUIRE(c.requests.size() == 2);
  CHECK(c.requests[0].header("content-type") == "application/sdp");
  CHECK(c.requests[0].body == "v=0\r\no=- 1");
  CHECK(c.requests[1].path == "/");
}

TEST_CASE("http parser: chunked body") {
  RequestParser p;
  auto c = feed_all(p,
                    "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nTrailer: x\r\n\r\n",
                    3);
  REQUIRE(c.requests.size() == 1);
  CHECK(c.requests[0].body == "hello world");
}

TEST_CASE("http parser: errors carry the right status") {
  auto status_of = [](std::string_view text, Limits limits = {}) {
    RequestParser p(limits);
    auto c = feed_all(p, text);
    return c.last == State::kError ? p.error().status : 0;
  };
  CHECK(status_of("GARBAGE\r\n\r\n") == 400);
  CHECK(status_of("GET / HTTP/1.1\r\nHost: h\r\nBad Header: x\r\n\r\n") == 400);
  CHECK(status_of("GET / HTTP/1.1\r\nHost: h\r\nX : y\r\n\r\n") == 400);
  CHECK(status_of("GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n") == 400);
  CHECK(status_of("GET /a b HTTP/1.1\r\nHost: h\r\n\r\n") == 400);
  CHECK(status_of("GET / HTTP/1.1\r\n\r\n") == 400);  // no Host
  CHECK(status_of("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n") == 400);
  CHECK(status_of("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n") == 400);
  CHECK(status_of("GET / HTTP/2.0\r\nHost: h\r\n\r\n") == 505);
  CHECK(status_of("GET / HTTP/3.0\r\nHost: h\r\n\r\n") == 505);
  CHECK(status_of("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n") == 501);
  CHECK(status_of("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n") == 501);

  Limits small;
  small.max_header_bytes = 256;
  small.max_target_bytes = 64;
  small.max_headers = 4;
  small.max_body_bytes = 16;
  CHECK(status_of("GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(300, 'a') + "\r\n\r\n", small) == 431);
  CHECK(status_of("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", small) == 431);
  CHECK(status_of("GET /" + std::string(100, 'a') + " HTTP/1.1\r\nHost: h\r\n\r\n", small) == 414);
  CHECK(status_of("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 17\r\n\r\n", small) == 413);
  CHECK(status_of("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n" + std::string(16, 'x') +
                      "\r\n1\r\ny\r\n0\r\n\r\n",
                  small) == 413);
  CHECK(status_of("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 16\r\n\r\n" + std::string(16, 'x'), small) == 0);
  // Whitespace llhttp skips without callbacks still counts toward the header limit.
  CHECK(status_of("GET / HTTP/1.1\r\nHost: h\r\nX:" + std::string(300, ' '), small) == 431);
}

TEST_CASE("http parser: oversize header detected while streaming") {
  RequestParser p;  // 8 KiB default
  auto r = p.feed(as_bytes("GET / HTTP/1.1\r\nHost: h\r\nX: "));
  CHECK(r.state == State::kNeedMore);
  std::string filler(1024, 'a');
  State last = State::kNeedMore;
  for (int i = 0; i < 10 && last == State::kNeedMore; ++i) last = p.feed(as_bytes(filler)).state;
  CHECK(last == State::kError);
  CHECK(p.error().status == 431);
}

TEST_CASE("http parser: upgrade hands back the remaining bytes") {
  RequestParser p;
  std::string head =
      "GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  std::string text = head + "\x81\x05hello";
  auto r = p.feed(as_bytes(text));
  CHECK(r.state == State::kUpgrade);
  CHECK(r.consumed == head.size());
  Request req = p.take_request();
  CHECK(req.upgrade);
  CHECK(req.header("upgrade") == "websocket");
  CHECK(p.feed(as_bytes("x")).state == State::kUpgrade);
}

TEST_CASE("http parser: Expect 100-continue") {
  RequestParser p;
  auto r = p.feed(as_bytes("POST /x HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n"));
  CHECK(r.state == State::kNeedMore);
  CHECK(p.headers_complete());
  CHECK(p.take_expect_continue());
  CHECK_FALSE(p.take_expect_continue());
  CHECK(p.feed(as_bytes("abc")).state == State::kRequest);
  CHECK(p.take_request().body == "abc");
}

TEST_CASE("http parser: HTTP/1.0 closes; leading blank lines are tolerated") {
  RequestParser p;
  auto c = feed_all(p, "\r\nGET / HTTP/1.0\r\n\r\n");
  REQUIRE(c.requests.size() == 1);
  CHECK_FALSE(c.requests[0].keep_alive);
  CHECK(c.requests[0].http_minor == 0);
}
