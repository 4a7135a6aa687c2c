#include "net/mdns.hpp"

namespace umbrella::net {

bool is_mdns_name(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  constexpr std::string_view kSuffix = ".local";
  return name.size() > kSuffix.size() && same_name(name.substr(name.size() - kSuffix.size()), kSuffix);
}

Result<size_t, DnsError> build_mdns_query(MutableBytes out, std::string_view name, RecordType type) {
  return build_query(out, 0, name, type, QueryOptions{.recursion_desired = false, .unicast_response = true, .edns = false});
}

}  // namespace umbrella::net
