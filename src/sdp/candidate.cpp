#include "sdp/candidate.hpp"

#include "sdp/limits.hpp"
#include "sdp/text.hpp"

namespace umbrella::sdp {

using detail::parse_uint;

std::optional<Candidate> parse_candidate(std::string_view value) {
  if (value.size() > kMaxLineLength) return std::nullopt;
  if (value.substr(0, 10) == "candidate:") value.remove_prefix(10);
  auto tokens = detail::split_ws(value, kMaxTokensPerLine);
  if (!tokens || tokens->size() < 8) return std::nullopt;
  const auto& t = *tokens;
  if (t[6] != "typ") return std::nullopt;
  Candidate c;
  c.foundation = std::string(t[0]);
  auto component = parse_uint<uint16_t>(t[1]);
  auto priority = parse_uint<uint32_t>(t[3]);
  auto port = parse_uint<uint16_t>(t[5]);
  if (!component || !priority || !port || *component == 0) return std::nullopt;
  c.component = *component;
  c.transport = std::string(t[2]);
  c.priority = *priority;
  c.address = std::string(t[4]);
  c.port = *port;
  c.type = std::string(t[7]);
  // The rest is name/value pairs.
  if ((t.size() - 8) % 2 != 0) return std::nullopt;
  for (size_t i = 8; i + 1 < t.size(); i += 2) {
    auto name = t[i], val = t[i + 1];
    if (name == "raddr") {
      c.related_address = std::string(val);
    } else if (name == "rport") {
      auto rp = parse_uint<uint16_t>(val);
      if (!rp) return std::nullopt;
      c.related_port = *rp;
    } else if (name == "tcptype") {
      c.tcp_type = std::string(val);
    } else if (name == "generation") {
      auto g = parse_uint<uint32_t>(val);
      if (!g) return std::nullopt;
      c.generation = *g;
    } else {
      c.extensions.emplace_back(std::string(name), std::string(val));
    }
  }
  return c;
}

std::string format_candidate(const Candidate& c) {
  std::string s = c.foundation + ' ' + std::to_string(c.component) + ' ' + c.transport + ' ' +
                  std::to_string(c.priority) + ' ' + c.address + ' ' + std::to_string(c.port) +
                  " typ " + c.type;
  if (!c.related_address.empty()) s += " raddr " + c.related_address;
  if (c.related_port) s += " rport " + std::to_string(*c.related_port);
  if (!c.tcp_type.empty()) s += " tcptype " + c.tcp_type;
  if (c.generation) s += " generation " + std::to_string(*c.generation);
  for (const auto& [k, v] : c.extensions) s += ' ' + k + ' ' + v;
  return s;
}

uint32_t candidate_priority(uint8_t type_preference, uint16_t local_preference, uint16_t component) {
  return (uint32_t(type_preference) << 24) | (uint32_t(local_preference) << 8) |
         uint32_t(256 - (component > 256 ? 256 : component));
}

std::vector<Candidate> host_candidates(const std::vector<std::string>& addresses, uint16_t port) {
  std::vector<Candidate> out;
  uint16_t local_pref = 65535;
  for (size_t i = 0; i < addresses.size(); ++i) {
    Candidate c;
    c.foundation = std::to_string(i + 1);
    c.component = 1;
    c.transport = "udp";
    // Earlier addresses are preferred: the caller lists its best address first.
    c.priority = candidate_priority(126, local_pref, 1);
    if (local_pref > 0) --local_pref;
    c.address = addresses[i];
    c.port = port;
    c.type = "host";
    c.generation = 0;
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace umbrella::sdp
