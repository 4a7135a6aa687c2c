#include "net/stub_resolver.hpp"

namespace umbrella::net {

StubResolver::StubResolver(ResolvConf conf, std::string_view name, uint16_t id_seed, Instant now)
    : conf_(std::move(conf)), names_(candidate_names(name, conf_)), next_id_(id_seed) {
  if (conf_.nameservers.empty()) conf_.nameservers.push_back(*SocketAddress::parse("127.0.0.1:53"));
  if (names_.empty()) {
    finish(DnsError::kBadName);
    return;
  }
  start_name(now);
}

void StubResolver::start_name(Instant now) {
  server_index_ = 0;
  round_ = 0;
  for (auto& q : queries_) {
    q.answered = false;
    q.addresses.clear();
  }
  send_unanswered(now);
}

void StubResolver::send_unanswered(Instant now) {
  for (auto& q : queries_) {
    if (q.answered) continue;
    q.id = next_id_;
    next_id_ = uint16_t(next_id_ + 0x9E37);  // odd step: distinct ids; unpredictable via the seed
    q.due = true;
  }
  deadline_ = now + conf_.timeout;
}

std::optional<StubResolver::Datagram> StubResolver::poll_transmit(MutableBytes out) {
  if (done_) return std::nullopt;
  for (auto& q : queries_) {
    if (!q.due) continue;
    auto n = build_query(out, q.id, names_[name_index_], q.type);
    if (!n) {
      finish(n.error());
      return std::nullopt;
    }
    q.due = false;
    return Datagram{conf_.nameservers[server_index_], *n};
  }
  return std::nullopt;
}

void StubResolver::on_datagram(const SocketAddress& from, Bytes data, Instant now) {
  if (done_ || !(from == conf_.nameservers[server_index_])) return;
  for (auto& q : queries_) {
    if (q.answered) continue;
    auto r = parse_response(data, q.id, names_[name_index_], q.type);
    if (r) {
      q.addresses = std::move(r->addresses);
      q.answered = true;
      break;
    }
    switch (r.error()) {
      case DnsError::kIdMismatch:
      case DnsError::kQuestionMismatch:
      case DnsError::kNotResponse:
        continue;  // not the answer to this query: maybe to the other one
      case DnsError::kNameNotFound:
        for (auto& other : queries_) other.answered = true;  // the name does not exist at all
        break;
      case DnsError::kTruncated:
        q.answered = true;  // no TCP fallback: a 1232-byte answer without addresses we fit
        break;
      default:  // SERVFAIL, REFUSED, garbage: this server cannot help, try the next
        last_error_ = r.error();
        next_server(now);
        return;
    }
    break;
  }
  check_complete(now);
}

void StubResolver::check_complete(Instant now) {
  if (done_) return;
  for (const auto& q : queries_) {
    if (!q.answered) return;
  }
  if (!queries_[0].addresses.empty() || !queries_[1].addresses.empty()) {
    finish(std::nullopt);
  } else if (++name_index_ < names_.size()) {
    start_name(now);
  } else {
    finish(DnsError::kNameNotFound);
  }
}

void StubResolver::on_timeout(Instant now) {
  if (done_ || now < deadline_) return;
  next_server(now);
}

void StubResolver::next_server(Instant now) {
  if (++server_index_ == conf_.nameservers.size()) {
    server_index_ = 0;
    if (++round_ >= conf_.attempts) {
      finish(last_error_);
      return;
    }
  }
  send_unanswered(now);
}

void StubResolver::finish(std::optional<DnsError> error) {
  done_ = true;
  error_ = error;
  for (auto& q : queries_) q.due = false;
}

Result<StubResolver::Addresses, DnsError> StubResolver::result() const {
  if (!done_) return Err{DnsError::kTimeout};
  if (error_) return Err{*error_};
  Addresses all = queries_[0].addresses;
  all.insert(all.end(), queries_[1].addresses.begin(), queries_[1].addresses.end());
  return all;
}

}  // namespace umbrella::net
