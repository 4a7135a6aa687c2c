#include "ws/handshake.hpp"

#include <mbedtls/base64.h>
#include <mbedtls/sha1.h>

#include <array>

#include "ws/random.hpp"

namespace umbrella::ws {

namespace {

constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

std::string base64(Bytes data) {
  std::array<unsigned char, 64> out;
  size_t written = 0;
  if (data.size() > 45 || mbedtls_base64_encode(out.data(), out.size(), &written, data.data(), data.size()) != 0)
    return {};
  return std::string(reinterpret_cast<const char*>(out.data()), written);
}

// A valid key is base64 of exactly 16 bytes (RFC 6455 4.1).
bool valid_client_key(std::string_view key) {
  if (key.size() != 24) return false;
  std::array<unsigned char, 18> raw;
  size_t n = 0;
  int rc = mbedtls_base64_decode(raw.data(), raw.size(), &n, reinterpret_cast<const unsigned char*>(key.data()),
                                 key.size());
  return rc == 0 && n == 16;
}

bool offered_protocol(const http::Request& r, std::string_view protocol) {
  return !protocol.empty() && r.has_token("sec-websocket-protocol", protocol);
}

}  // namespace

std::string accept_key(std::string_view client_key) {
  std::string input(client_key);
  input += kGuid;
  std::array<unsigned char, 20> digest;
  if (mbedtls_sha1_ret(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest.data()) != 0)
    return {};
  return base64(digest);
}

bool wants_websocket(const http::Request& request) { return request.has_token("upgrade", "websocket"); }

http::Response server_handshake(const http::Request& r, std::string_view protocol) {
  if (r.method != "GET" || r.http_minor < 1 || !wants_websocket(r) || !r.has_token("connection", "upgrade") ||
      !r.header("host"))
    return http::Response::error(400);
  auto version = r.header("sec-websocket-version");
  if (!version || *version != "13") {
    http::Response resp = http::Response::error(426);
    resp.headers.emplace_back("Sec-WebSocket-Version", "13");
    return resp;
  }
  auto key = r.header("sec-websocket-key");
  if (!key || !valid_client_key(*key)) return http::Response::error(400);
  http::Response resp;
  resp.status = 101;
  resp.headers.emplace_back("Upgrade", "websocket");
  resp.headers.emplace_back("Connection", "Upgrade");
  resp.headers.emplace_back("Sec-WebSocket-Accept", accept_key(*key));
  if (offered_protocol(r, protocol)) resp.headers.emplace_back("Sec-WebSocket-Protocol", std::string(protocol));
  return resp;
}

std::string generate_client_key() {
  std::array<uint8_t, 16> raw;
  fill_random(raw);
  return base64(raw);
}

std::string build_client_handshake(std::string_view host, std::string_view path, std::string_view key,
                                   std::string_view protocol) {
  std::string out;
  out.reserve(192);
  out += "GET ";
  out += path.empty() ? std::string_view("/") : path;
  out += " HTTP/1.1\r\nHost: ";
  out += host;
  out += "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ";
  out += key;
  out += "\r\nSec-WebSocket-Version: 13\r\n";
  if (!protocol.empty()) {
    out += "Sec-WebSocket-Protocol: ";
    out += protocol;
    out += "\r\n";
  }
  out += "\r\n";
  return out;
}

ServerHandshakeResult validate_server_handshake(Bytes response, std::string_view key, std::string_view protocol) {
  using Status = ServerHandshakeResult::Status;
  auto error = [](std::string msg) { return ServerHandshakeResult{Status::kError, 0, std::move(msg)}; };
  std::string_view text = as_string_view(response);
  size_t end = text.find("\r\n\r\n");
  if (end == std::string_view::npos || end + 4 > kMaxHandshakeResponseBytes) {
    if (text.size() >= kMaxHandshakeResponseBytes) return error("response head too large");
    return {};
  }
  std::string_view head = text.substr(0, end + 2);  // keep the last header's CRLF
  size_t line_end = head.find("\r\n");
  std::string_view status_line = head.substr(0, line_end);
  if (status_line.substr(0, 9) != "HTTP/1.1 " || status_line.size() < 12)
    return error("bad status line");
  if (status_line.substr(9, 3) != "101") return error("status " + std::string(status_line.substr(9, 3)));
  // Collect the headers into a Request to reuse its case-insensitive lookups.
  http::Request fields;
  head.remove_prefix(line_end + 2);
  while (!head.empty()) {
    size_t eol = head.find("\r\n");
    std::string_view line = head.substr(0, eol);
    head.remove_prefix(eol + 2);
    size_t colon = line.find(':');
    if (colon == 0 || colon == std::string_view::npos) return error("bad header line");
    std::string name(line.substr(0, colon));
    http::to_lower(name);
    fields.headers.emplace_back(std::move(name), std::string(http::trim(line.substr(colon + 1))));
  }
  if (!fields.has_token("upgrade", "websocket")) return error("missing Upgrade: websocket");
  if (!fields.has_token("connection", "upgrade")) return error("missing Connection: upgrade");
  auto accept = fields.header("sec-websocket-accept");
  if (!accept || *accept != accept_key(key)) return error("wrong Sec-WebSocket-Accept");
  if (fields.header("sec-websocket-extensions")) return error("unrequested extension");
  auto chosen = fields.header("sec-websocket-protocol");
  if (chosen && *chosen != protocol) return error("unrequested subprotocol");
  return {Status::kOk, end + 4, {}};
}

}  // namespace umbrella::ws
