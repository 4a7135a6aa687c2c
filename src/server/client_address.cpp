#include "server/client_address.hpp"

namespace umbrella::server {

SocketAddress client_address(const http::Request& request, const std::optional<SocketAddress>& trusted_proxy) {
  if (!trusted_proxy || request.peer.ip_string() != trusted_proxy->ip_string()) return request.peer;
  // The last X-Forwarded-For header's last entry (a proxy may add a header or extend one).
  std::optional<std::string_view> last;
  for (auto& [name, value] : request.headers)
    if (name == "x-forwarded-for") last = value;
  if (!last) return request.peer;
  std::string_view v = *last;
  if (auto comma = v.rfind(','); comma != std::string_view::npos) v = v.substr(comma + 1);
  auto ip = SocketAddress::parse_ip(http::trim(v));
  return ip ? *ip : request.peer;  // unparsable: the proxy's own address counts
}

}  // namespace umbrella::server
