// Whose request this is, for per-address limits: the connection's peer, or behind a reverse
// proxy we were told to trust (UMBRELLA_TRUSTED_PROXY), the address that proxy appended to
// X-Forwarded-For. Only the last entry is used: the proxy appends what it saw, and anything
// before it came from the client and may be forged.
#pragma once

#include <optional>

#include "core/socket_address.hpp"
#include "http/request.hpp"

namespace umbrella::server {

SocketAddress client_address(const http::Request& request, const std::optional<SocketAddress>& trusted_proxy);

}  // namespace umbrella::server
