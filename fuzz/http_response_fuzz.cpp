// HTTP responses as a server (or anything on the path) may send them to the project's
// clients: fed whole and split at a data-derived point, then ended; bounds must hold.
#include "fuzz_target.hpp"
#include "http/response_parser.hpp"

using namespace umbrella;

UMBRELLA_FUZZ_TARGET(http_response) {
  Bytes in(data, size);
  for (size_t split : {size, size ? size_t(data[0]) % size : 0}) {
    http::ResponseParser p(512, 1024);
    p.feed(in.first(split));
    p.feed(in.subspan(split));
    p.finish();
    const auto& r = p.response();
    if (r.body.size() > 1024) __builtin_trap();
    if (p.state() == http::ResponseParser::State::kComplete && (r.status < 100 || r.status > 599)) __builtin_trap();
  }
  return 0;
}
