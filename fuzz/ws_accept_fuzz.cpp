// The server side of a WebSocket upgrade as routes see it: arbitrary bytes through the HTTP
// request parser, the first complete request to ws::accept_upgrade(), and what follows the
// head to the new Session in data-derived pieces. Invariants: a Session exists exactly when
// the answer is 101, and then the request asked for a WebSocket, the answer carries the
// right Sec-WebSocket-Accept and names a subprotocol only when one was offered and is ours;
// a 426 names version 13; the listener sees on_open exactly once per accepted session.
#include <string>

#include "fuzz_input.hpp"
#include "fuzz_target.hpp"
#include "http/request_parser.hpp"
#include "ws/accept.hpp"
#include "ws/handshake.hpp"

using namespace umbrella;
using umbrella::fuzz::check;

namespace {

struct CountingListener : ws::Listener {
  int opened = 0;
  int closed = 0;
  void on_open(ws::Session&) override { ++opened; }
  void on_message(ws::Session& s, ws::MessageType type, Bytes payload) override {
    if (type == ws::MessageType::kText) s.send_text(as_string_view(payload));
    else s.send_binary(payload);
  }
  void on_close(ws::Session&, uint16_t, std::string_view) override { ++closed; }
};

std::optional<std::string> response_header(const http::Response& r, std::string_view name) {
  for (const auto& h : r.headers)
    if (http::iequals(h.first, name)) return h.second;
  return std::nullopt;
}

}  // namespace

UMBRELLA_FUZZ_TARGET(ws_accept) {
  umbrella::fuzz::FuzzInput in(data, size);
  uint8_t setup = in.u8();
  std::string_view protocol = (setup & 1) ? "umbrella" : "";
  size_t step = 1 + (setup >> 1) % 64;
  Bytes rest = in.rest();

  http::RequestParser parser;
  size_t pos = 0;
  http::RequestParser::State state = http::RequestParser::State::kNeedMore;
  while (pos < rest.size()) {
    auto r = parser.feed(rest.subspan(pos, std::min(step, rest.size() - pos)));
    pos += r.consumed;
    state = r.state;
    if (state != http::RequestParser::State::kNeedMore) break;
  }
  if (state != http::RequestParser::State::kRequest && state != http::RequestParser::State::kUpgrade) return 0;
  http::Request request = parser.take_request();

  CountingListener listener;
  ws::SessionConfig config;
  config.max_message_bytes = 4096;
  Instant now = Instant{} + seconds(1000);
  auto result = ws::accept_upgrade(request, listener, config, now, protocol);
  int status = result.response.status;
  check(status == 101 || status == 400 || status == 426);
  check((status == 101) == bool(result.stream));
  if (status == 426) check(response_header(result.response, "Sec-WebSocket-Version") == "13");
  if (status != 101) {
    check(listener.opened == 0 && !ws::as_session(result.stream.get()));
    return 0;
  }
  check(listener.opened == 1 && ws::wants_websocket(request));
  auto key = request.header("sec-websocket-key");
  check(key.has_value());
  check(response_header(result.response, "Sec-WebSocket-Accept") == ws::accept_key(*key));
  auto chosen = response_header(result.response, "Sec-WebSocket-Protocol");
  if (chosen) check(!protocol.empty() && *chosen == protocol);

  // The bytes after the head belong to the WebSocket.
  ws::Session* session = ws::as_session(result.stream.get());
  check(session != nullptr);
  for (size_t p = pos; p < rest.size(); p += step) {
    session->on_bytes(rest.subspan(p, std::min(step, rest.size() - p)), now);
    (void)session->take_output();
    now += milliseconds(10);
  }
  if (session->next_deadline() != kNever) session->on_timeout(std::max(now, session->next_deadline()));
  session->on_transport_closed();
  check(session->should_close() && listener.closed == 1);
  return 0;
}
