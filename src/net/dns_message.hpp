// DNS wire format (RFC 1035, AAAA from RFC 3596, EDNS0 from RFC 6891): building an
// address query and reading the addresses out of a response. Pure functions over bytes;
// every length is checked and compression pointers must point strictly backwards, so a
// hostile message can neither read out of bounds nor loop.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/socket_address.hpp"
#include "net/dns_error.hpp"

namespace umbrella::net {

enum class RecordType : uint16_t { kA = 1, kCname = 5, kAaaa = 28, kOpt = 41 };
inline constexpr uint16_t kClassIn = 1;
inline constexpr size_t kMaxNameLength = 255;  // wire form, RFC 1035 2.3.4
inline constexpr size_t kMaxUdpPayload = 1232; // what we advertise in EDNS0 (DNS flag day 2020)

struct QueryOptions {
  bool recursion_desired = true;  // unicast: ask the server to recurse
  bool unicast_response = false;  // mDNS "QU" bit (top bit of QCLASS, RFC 6762 5.4)
  bool edns = true;               // add an OPT record advertising kMaxUdpPayload
};

// Writes a one-question query for name (dotted, optional trailing dot) into out.
// Returns the length written.
Result<size_t, DnsError> build_query(MutableBytes out, uint16_t id, std::string_view name, RecordType type,
                                     const QueryOptions& options = {});

// Reads the possibly compressed name at offset in msg. On success offset moves past the
// name as it appears at that place and the name is returned dotted, lower-case, no final dot.
Result<std::string, DnsError> read_name(Bytes msg, size_t& offset);

struct DnsAnswer {
  std::vector<SocketAddress> addresses;  // port 0
  uint32_t ttl = 0;                      // smallest TTL on the path (CNAMEs included)
  std::string canonical_name;            // after following CNAMEs
};

// Parses the response to a build_query(id, name, type): checks id, the question, RCODE and
// TC, follows CNAMEs (at most 8) and returns the addresses of the asked type.
// An empty address list means the name exists without records of that type (NODATA).
Result<DnsAnswer, DnsError> parse_response(Bytes msg, uint16_t id, std::string_view name, RecordType type);

// Same, for multicast DNS responses (RFC 6762): any id, questions skipped, answers and
// additional records both searched, the cache-flush bit of the class ignored.
Result<DnsAnswer, DnsError> parse_mdns_response(Bytes msg, std::string_view name, RecordType type);

// Case-insensitive comparison ignoring one trailing dot on either side.
bool same_name(std::string_view a, std::string_view b);

}  // namespace umbrella::net
