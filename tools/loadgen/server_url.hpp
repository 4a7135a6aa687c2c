// Where the load generator finds the SFU: http(s)://HOST[:PORT][/prefix], or the older
// bare HOST:PORT (plain HTTP). The host is resolved once at start (blocking), never per join.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "core/socket_address.hpp"

namespace umbrella::loadgen {

struct ServerUrl {
  bool tls = false;
  std::string host = "127.0.0.1";  // as written: SNI, certificate check, Host header
  uint16_t port = 8081;
  std::string prefix;              // UMBRELLA_HTTP_PREFIX, "" or "/umbrella"
  SocketAddress address;           // set by resolve_server()
};

// Default ports: 443 for https, 80 for http; bare HOST:PORT needs the port.
Result<ServerUrl, std::string> parse_server_url(std::string_view text);
// Fills url.address (IPv4; literal or getaddrinfo).
Result<bool, std::string> resolve_server(ServerUrl& url);
// "host:port" for the Host header.
std::string host_header(const ServerUrl& url);

}  // namespace umbrella::loadgen
