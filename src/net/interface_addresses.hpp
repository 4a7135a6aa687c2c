// The machine's own addresses (getifaddrs): what the server announces as ICE candidates and
// names in its self-signed certificate when it is not told a public address.
#pragma once

#include <string>
#include <vector>

namespace umbrella::net {

// Textual IPv4 and IPv6 addresses of every interface that is up, loopback included, IPv6
// link-local excluded (it needs a zone to be usable); duplicates dropped. If getifaddrs
// fails: the loopback addresses.
std::vector<std::string> interface_addresses();

}  // namespace umbrella::net
