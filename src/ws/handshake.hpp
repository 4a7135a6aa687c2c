// RFC 6455 section 4 opening handshake, both sides.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "http/request.hpp"
#include "http/response.hpp"

namespace umbrella::ws {

// base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")).
std::string accept_key(std::string_view client_key);

// True when the request asks for a WebSocket (Upgrade: websocket), valid or not.
bool wants_websocket(const http::Request& request);

// Server side: checks an upgrade request (RFC 6455 4.2.1) and returns the response to send:
// 101 with Sec-WebSocket-Accept, 426 (+ Sec-WebSocket-Version: 13) for another version, or 400.
// A non-empty `protocol` is echoed in Sec-WebSocket-Protocol when the client offered it.
// Origin checks are the caller's.
http::Response server_handshake(const http::Request& request, std::string_view protocol = {});

// Client side.
std::string generate_client_key();  // base64 of 16 random bytes
std::string build_client_handshake(std::string_view host, std::string_view path, std::string_view key,
                                   std::string_view protocol = {});

struct ServerHandshakeResult {
  enum class Status { kNeedMore, kOk, kError } status = Status::kNeedMore;
  size_t consumed = 0;      // kOk: size of the response head; later bytes are frames
  std::string error;        // kError
};
// Checks the server's response head (status 101, Upgrade, Connection, Sec-WebSocket-Accept;
// no extension, and no subprotocol unless `protocol` was offered) from the start of `response`.
ServerHandshakeResult validate_server_handshake(Bytes response, std::string_view key,
                                                std::string_view protocol = {});

inline constexpr size_t kMaxHandshakeResponseBytes = 8 * 1024;

}  // namespace umbrella::ws
