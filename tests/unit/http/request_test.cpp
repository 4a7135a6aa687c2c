#include <doctest/doctest.h>

#include "http/request.hpp"
#include "http/response.hpp"

using namespace umbrella;
using namespace umbrella::http;

TEST_CASE("http: percent_decode") {
  CHECK(percent_decode("a%20b%2Fc") == "a b/c");
  CHECK(percent_decode("a+b") == "a+b");
  CHECK(percent_decode("a+b", true) == "a b");
  CHECK(percent_decode("%e2%82%AC") == "\xE2\x82\xAC");
  CHECK_FALSE(percent_decode("%"));
  CHECK_FALSE(percent_decode("%2"));
  CHECK_FALSE(percent_decode("%zz"));
  CHECK(percent_decode("") == "");
}

TEST_CASE("http: split_target") {
  std::string path, query;
  split_target("/whip/room1?token=a%20b&x#frag", path, query);
  CHECK(path == "/whip/room1");
  CHECK(query == "token=a%20b&x");
  split_target("http://example.com:8080/a/b?c=d", path, query);
  CHECK(path == "/a/b");
  CHECK(query == "c=d");
  split_target("http://example.com", path, query);
  CHECK(path == "/");
  CHECK(query == "");
  split_target("*", path, query);
  CHECK(path == "*");
}

TEST_CASE("http: header lookup, tokens and query parameters") {
  Request r;
  r.headers = {{"connection", "keep-alive, Upgrade"}, {"x-a", "1"}, {"x-a", "2"}};
  r.query = "room=abc&name=J%C3%BCrgen+K&flag&empty=&bad=%G1";
  CHECK(r.header("X-A") == "1");
  CHECK_FALSE(r.header("missing"));
  CHECK(r.has_token("Connection", "upgrade"));
  CHECK(r.has_token("connection", "KEEP-ALIVE"));
  CHECK_FALSE(r.has_token("connection", "close"));
  CHECK(r.query_param("room") == "abc");
  CHECK(r.query_param("name") == "J\xC3\xBCrgen K");
  CHECK(r.query_param("flag") == "");
  CHECK(r.query_param("empty") == "");
  CHECK_FALSE(r.query_param("bad"));
  CHECK_FALSE(r.query_param("nope"));
}

TEST_CASE("http: serialize response") {
  Response r = Response::text(200, "hi");
  r.headers.emplace_back("Location", "/x");
  CHECK(serialize(r, true) ==
        "HTTP/1.1 200 OK\r\nLocation: /x\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 2\r\n\r\nhi");
  CHECK(serialize(r, false, true) ==
        "HTTP/1.1 200 OK\r\nLocation: /x\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 2\r\n"
        "Connection: close\r\n\r\n");
  Response empty;
  empty.status = 404;
  CHECK(serialize(empty, true) == "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
  Response none;
  none.status = 204;
  none.body = "ignored";
  CHECK(serialize(none, true) == "HTTP/1.1 204 No Content\r\n\r\n");
  CHECK(reason_phrase(431) == "Request Header Fields Too Large");
  CHECK(reason_phrase(799) == "Unknown");
  CHECK(Response::error(413).body == "413 Content Too Large\n");
}



TEST_CASE("client address: X-Forwarded-For's last entry only from the trusted proxy") {
  Request r;
  r.peer = *SocketAddress::parse("10.0.0.2:5555");
  r.headers = {{"x-forwarded-for", "1.2.3.4, 203.0.113.5"}};
  auto proxy = SocketAddress::parse_ip("10.0.0.2");
  CHECK(client_address(r, proxy).ip_string() == "203.0.113.5");  // not the forgeable first entry
  CHECK(client_address(r, std::nullopt) == r.peer);               // no proxy trusted
  CHECK(client_address(r, SocketAddress::parse_ip("10.0.0.3")) == r.peer);  // from someone else
  r.headers = {{"x-forwarded-for", "garbage"}};
  CHECK(client_address(r, proxy) == r.peer);
  r.headers = {{"x-forwarded-for", "198.51.100.1"}, {"x-forwarded-for", "2001:db8::7"}};
  CHECK(client_address(r, proxy).ip_string() == "2001:db8::7");
  r.headers.clear();
  CHECK(client_address(r, proxy) == r.peer);
}
