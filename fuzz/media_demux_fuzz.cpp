// The media port's demultiplexing decision over arbitrary datagrams: RFC 7983 first-byte
// classification, then for STUN the route (binding requests by the local ufrag in USERNAME,
// everything else by source address) and the lookup among registered ufrags, as
// MediaPort::dispatch does it. Invariants: the class follows the RFC's ranges, whatever
// parses as STUN is classified STUN, and the ufrag a request is routed by is exactly the
// non-empty USERNAME part before the first ':' (so one transport's ufrag never matches a
// request for another, e.g. "ab" for "abc:x" or "ab:c" for "ab").
#include <string>
#include <unordered_map>

#include "fuzz_input.hpp"
#include "fuzz_target.hpp"
#include "ice/demux.hpp"
#include "stun/message.hpp"

using namespace umbrella;
using umbrella::fuzz::check;

namespace {

ice::DatagramKind expected_kind(Bytes d) {
  if (d.empty()) return ice::DatagramKind::kUnknown;
  unsigned b = d[0];
  if (b < 4) return ice::DatagramKind::kStun;
  if (b >= 20 && b < 64) return ice::DatagramKind::kDtls;
  if (b >= 128 && b < 192) return ice::DatagramKind::kRtp;
  return ice::DatagramKind::kUnknown;
}

}  // namespace

UMBRELLA_FUZZ_TARGET(media_demux) {
  // Transports registered on the port, by local ufrag (the value stands for the endpoint).
  static const std::unordered_map<std::string, int> by_ufrag = {
      {"srvU", 1}, {"srvUx", 2}, {"a", 3}, {"+/=Z", 4}};
  Bytes datagram(data, size);
  auto kind = ice::classify_datagram(datagram);
  check(kind == expected_kind(datagram));

  auto msg = stun::parse(datagram);
  if (!msg.ok()) return 0;
  check(kind == ice::DatagramKind::kStun);
  auto route = ice::route_stun(*msg);
  check(route.by_ufrag == msg->is_binding_request());
  if (!route.by_ufrag) {
    check(!route.ufrag);
    return 0;
  }
  if (!route.ufrag) {
    // Nothing to route by: no USERNAME, no ':' or nothing before it.
    check(!msg->username || msg->username->find(':') == 0 || msg->username->find(':') == std::string_view::npos);
    return 0;
  }
  std::string_view ufrag = *route.ufrag;
  std::string_view username = *msg->username;
  check(!ufrag.empty() && ufrag.find(':') == std::string_view::npos);
  check(username.size() > ufrag.size() && username.substr(0, ufrag.size()) == ufrag && username[ufrag.size()] == ':');
  // The view points into the datagram itself (no copy on the receive path).
  check(ufrag.data() >= reinterpret_cast<const char*>(data) &&
        ufrag.data() + ufrag.size() <= reinterpret_cast<const char*>(data) + size);
  auto it = by_ufrag.find(std::string(ufrag));
  if (it != by_ufrag.end()) check(it->first == ufrag);
  return 0;
}
