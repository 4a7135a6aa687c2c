// /etc/hosts lookup over the file's text (a static glibc binary cannot use NSS).
#pragma once

#include <string_view>
#include <vector>

#include "core/socket_address.hpp"

namespace umbrella::net {

// Addresses listed for name (case-insensitive, canonical name or alias), in file order,
// port 0. family kNone returns both families.
std::vector<SocketAddress> lookup_hosts(std::string_view hosts_text, std::string_view name,
                                        SocketAddress::Family family = SocketAddress::Family::kNone);

}  // namespace umbrella::net
