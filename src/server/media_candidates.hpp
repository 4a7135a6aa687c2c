// Which addresses the server announces as its ICE host candidates (all on the one media port).
#pragma once

#include <string>
#include <vector>

#include "core/socket_address.hpp"

namespace umbrella::server {

// The configured public addresses in their order when there are any; else the interface
// addresses (net::interface_addresses(): textual, link-local already left out) without
// loopback, IPv4 before IPv6, at most 8; else 127.0.0.1. IPv6 ones only when `ipv6` (the media
// socket can reach IPv6 peers).
std::vector<std::string> media_candidates(const std::vector<SocketAddress>& public_ips,
                                          const std::vector<std::string>& interface_addresses, bool ipv6);

}  // namespace umbrella::server
