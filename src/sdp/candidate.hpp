// ICE candidate attribute (RFC 8839 section 5.1): the value of "a=candidate:".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace umbrella::sdp {

struct Candidate {
  std::string foundation;
  uint16_t component = 1;
  std::string transport = "udp";  // "udp" or "tcp", as written
  uint32_t priority = 0;
  std::string address;  // IP or mDNS name
  uint16_t port = 0;
  std::string type = "host";  // host, srflx, prflx, relay
  std::string related_address;  // raddr, empty if absent
  std::optional<uint16_t> related_port;
  std::string tcp_type;  // tcptype, empty if absent
  std::optional<uint32_t> generation;
  // Other extension name/value pairs (ufrag, network-id, network-cost, ...), in order.
  std::vector<std::pair<std::string, std::string>> extensions;
};

// Parses "foundation component transport priority address port typ type ..."; a leading
// "candidate:" (the trickle form) is accepted. nullopt if malformed or too long.
std::optional<Candidate> parse_candidate(std::string_view value);
// The attribute value, without the "candidate:" prefix.
std::string format_candidate(const Candidate& c);

// RFC 8445 5.1.2.1 priority: type preference, local preference, component.
uint32_t candidate_priority(uint8_t type_preference, uint16_t local_preference, uint16_t component);

// One UDP host candidate per address, all on the same port (the server's candidates).
// Foundation is derived from the address index so it is stable across calls.
std::vector<Candidate> host_candidates(const std::vector<std::string>& addresses, uint16_t port);

}  // namespace umbrella::sdp
