#include "net/mdns_query.hpp"

#include "net/mdns.hpp"

namespace umbrella::net {

namespace {

constexpr RecordType kTypes[] = {RecordType::kA, RecordType::kAaaa};

bool is_ipv6_link_local(const SocketAddress& a) {
  return a.is_ipv6() && a.ip_bytes()[0] == 0xfe && (a.ip_bytes()[1] & 0xc0) == 0x80;
}

}  // namespace

MdnsQuery::MdnsQuery(std::string_view name, Instant now) : name_(name) {
  uint8_t probe[512];
  if (!is_mdns_name(name) || !build_mdns_query(probe, name, RecordType::kA)) {
    done_ = true;
    error_ = DnsError::kBadName;
    return;
  }
  send_round(now);
}

void MdnsQuery::send_round(Instant now) {
  ++round_;
  due_ = std::size(kTypes);
  deadline_ = now + kInterval;
}

std::optional<MdnsQuery::Datagram> MdnsQuery::poll_transmit(MutableBytes out) {
  if (done_ || due_ == 0) return std::nullopt;
  auto type = kTypes[std::size(kTypes) - due_];
  auto n = build_mdns_query(out, name_, type);
  if (!n) {
    done_ = true;
    error_ = n.error();
    return std::nullopt;
  }
  --due_;
  return Datagram{kMdnsGroupV4, *n};
}

void MdnsQuery::on_datagram(const SocketAddress& from, Bytes data, Instant) {
  if (done_ || from.port() != kMdnsPort) return;
  Addresses found;
  for (auto type : kTypes) {  // A first: the order result() promises
    auto r = parse_mdns_response(data, name_, type);
    if (!r) return;  // not a well-formed response: ignore it, another may follow
    for (const auto& a : r->addresses) {
      if (!is_ipv6_link_local(a)) found.push_back(a);
    }
  }
  if (found.empty()) return;  // about other names, or only addresses we cannot use
  addresses_ = std::move(found);
  done_ = true;
}

void MdnsQuery::on_timeout(Instant now) {
  if (done_ || now < deadline_) return;
  if (round_ >= kAttempts) {
    done_ = true;
    error_ = DnsError::kTimeout;
    return;
  }
  send_round(now);
}

Result<MdnsQuery::Addresses, DnsError> MdnsQuery::result() const {
  if (!done_) return Err{DnsError::kTimeout};
  if (error_) return Err{*error_};
  return addresses_;
}

}  // namespace umbrella::net
