// Multicast DNS (RFC 6762) for ".local" names: a one-shot query asking for a unicast
// reply (QU bit), and the same address parsing as unicast DNS. Build/parse only; the
// caller owns the socket (send to kMdnsGroupV4:5353, read replies on its own port).
#pragma once

#include <cstdint>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/socket_address.hpp"
#include "net/dns_message.hpp"

namespace umbrella::net {

inline constexpr uint16_t kMdnsPort = 5353;
inline const SocketAddress kMdnsGroupV4 = SocketAddress::ipv4({224, 0, 0, 251}, kMdnsPort);

// True for "name.local" and "name.local." (case-insensitive): resolve those with mDNS.
bool is_mdns_name(std::string_view name);

// One-shot query (RFC 6762 5.1): id 0, no recursion, no EDNS, QU bit set.
Result<size_t, DnsError> build_mdns_query(MutableBytes out, std::string_view name, RecordType type);

}  // namespace umbrella::net
