// Where the load generator finds the SFU: http(s)://HOST[:PORT][/prefix], or the older
// bare HOST:PORT (plain HTTP). The host is resolved once at start (blocking), never per join.
// Connections to it are stream::TcpStreams, the driver the server itself uses.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/event_loop.hpp"
#include "core/result.hpp"
#include "core/socket_address.hpp"
#include "stream/tcp_stream.hpp"
#include "tls/client_config.hpp"

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

// Starts a non-blocking connect to the server, under TLS for https:// (tls required then,
// and must outlive the stream); writes may be queued at once.
Result<std::unique_ptr<stream::TcpStream>, std::string> connect_to_server(EventLoop& loop, stream::TcpStream::Owner& owner,
                                                                          const ServerUrl& url,
                                                                          const tls::TlsClientConfig* tls);

}  // namespace umbrella::loadgen
