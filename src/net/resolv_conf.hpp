// /etc/resolv.conf over the file's text, with the defaults and limits glibc applies,
// and the list of names to try for a lookup (search domains, ndots).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/socket_address.hpp"
#include "core/time.hpp"

namespace umbrella::net {

struct ResolvConf {
  std::vector<SocketAddress> nameservers;  // port 53; 127.0.0.1 when the file names none
  std::vector<std::string> search;         // from the last "search" or "domain" line
  int ndots = 1;
  Duration timeout = seconds(5);  // per query, per server
  int attempts = 2;               // rounds over the server list
};

inline constexpr size_t kMaxNameservers = 3;  // glibc's MAXNS: further lines are ignored

ResolvConf parse_resolv_conf(std::string_view text);

// The names to query for name, in order: as is first when it has >= ndots dots, else the
// search domains first; a trailing dot means exactly that name. No final dots in the result.
std::vector<std::string> candidate_names(std::string_view name, const ResolvConf& conf);

}  // namespace umbrella::net
