// DNS/mDNS response parsing, name decompression, the hosts / resolv.conf text parsers, and
// the one-shot mDNS querier's reply handling over arbitrary bytes. The first two bytes
// double as the expected query id.
#include "fuzz_target.hpp"
#include "net/dns_message.hpp"
#include "net/hosts_file.hpp"
#include "net/mdns.hpp"
#include "net/mdns_query.hpp"
#include "net/resolv_conf.hpp"

using namespace umbrella;
using namespace umbrella::net;

UMBRELLA_FUZZ_TARGET(dns) {
  Bytes msg(data, size);
  uint16_t id = size >= 2 ? load_be16(data) : 0;
  for (auto type : {RecordType::kA, RecordType::kAaaa}) {
    auto r = parse_response(msg, id, "trunk.example.org", type);
    if (r) {
      for (const auto& a : r->addresses) (void)a.ip_string();
    }
    (void)parse_mdns_response(msg, "umbrella.local", type);
  }
  for (size_t off = 12; off < size && off < 64; ++off) {
    size_t o = off;
    auto n = read_name(msg, o);
    if (n && (n->size() > kMaxNameLength || o > size)) __builtin_trap();
  }
  MdnsQuery query("umbrella.local", Instant{});
  query.on_datagram(SocketAddress::ipv4({192, 168, 1, 1}, kMdnsPort), msg, Instant{});
  if (query.done() && query.result() && query.result()->empty()) __builtin_trap();  // done means an address
  auto text = as_string_view(msg);
  (void)parse_resolv_conf(text);
  (void)lookup_hosts(text, "trunk");
  return 0;
}
