#include "net/interface_addresses.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

namespace umbrella::net {

std::vector<std::string> interface_addresses() {
  std::vector<std::string> out;
  auto add = [&out](const char* text) {
    if (std::find(out.begin(), out.end(), text) == out.end()) out.emplace_back(text);
  };
  struct ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return {"127.0.0.1", "::1"};
  for (struct ifaddrs* ifa = list; ifa; ifa = ifa->ifa_next) {
    if (!ifa->ifa_addr || !(ifa->ifa_flags & IFF_UP)) continue;
    char text[INET6_ADDRSTRLEN] = {};
    if (ifa->ifa_addr->sa_family == AF_INET) {
      auto* sin = reinterpret_cast<const sockaddr_in*>(ifa->ifa_addr);
      if (inet_ntop(AF_INET, &sin->sin_addr, text, sizeof(text))) add(text);
    } else if (ifa->ifa_addr->sa_family == AF_INET6) {
      auto* sin6 = reinterpret_cast<const sockaddr_in6*>(ifa->ifa_addr);
      if (IN6_IS_ADDR_LINKLOCAL(&sin6->sin6_addr)) continue;
      if (inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof(text))) add(text);
    }
  }
  ::freeifaddrs(list);
  return out;
}

}  // namespace umbrella::net
