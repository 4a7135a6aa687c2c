#include "net/hosts_file.hpp"

#include "net/dns_message.hpp"
#include "net/text_lines.hpp"

namespace umbrella::net {

std::vector<SocketAddress> lookup_hosts(std::string_view hosts_text, std::string_view name,
                                        SocketAddress::Family family) {
  std::vector<SocketAddress> found;
  for_each_line(hosts_text, "#", [&](std::string_view line) {
    auto ip_text = next_field(line);
    if (ip_text.empty()) return;
    auto ip = SocketAddress::parse_ip(ip_text.substr(0, ip_text.find('%')));  // drop "%scope"
    if (!ip || (family != SocketAddress::Family::kNone && ip->family() != family)) return;
    for (auto host = next_field(line); !host.empty(); host = next_field(line)) {
      if (same_name(host, name)) {
        found.push_back(*ip);
        return;
      }
    }
  });
  return found;
}

}  // namespace umbrella::net
