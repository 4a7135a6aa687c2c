// Where a trunk dials: the parsed form of wss://host[:port][/path].
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace umbrella::server {

// wss://host[:port][/path] (ws:// too, for tests). Default ports 443/80; an empty path or
// "/" becomes "/wsb"; any other path is used as given. IPv6 hosts in brackets ("[::1]");
// host is stored without them.
struct TrunkUrl {
  bool tls;
  std::string host;
  uint16_t port;
  std::string path;
};
Result<TrunkUrl, std::string> parse_trunk_url(std::string_view url);

// The Host header value: host, or host:port when the port is not the scheme's default.
std::string trunk_host_header(const TrunkUrl& url);

}  // namespace umbrella::server
