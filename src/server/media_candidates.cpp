#include "server/media_candidates.hpp"

namespace umbrella::server {

namespace {
// More would only lengthen every SDP: each is checked by every client.
constexpr size_t kMaxCandidates = 8;
}  // namespace

std::vector<std::string> media_candidates(const std::vector<SocketAddress>& public_ips,
                                          const std::vector<std::string>& interface_addresses, bool ipv6) {
  std::vector<std::string> out;
  for (const auto& a : public_ips)
    if (a.is_ipv4() || ipv6) out.push_back(a.ip_string());
  if (!public_ips.empty()) return out;
  for (bool want_v6 : {false, true}) {
    if (want_v6 && !ipv6) break;
    for (const auto& text : interface_addresses) {
      auto ip = SocketAddress::parse_ip(text);
      if (!ip || ip->is_ipv6() != want_v6 || ip->is_loopback() || ip->is_link_local()) continue;
      if (out.size() < kMaxCandidates) out.push_back(ip->ip_string());
    }
  }
  if (out.empty()) out.push_back("127.0.0.1");
  return out;
}

}  // namespace umbrella::server
