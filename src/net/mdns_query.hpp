// A one-shot multicast DNS query (RFC 6762 5.1) for a ".local" name, sans-IO like
// StubResolver: asks for A and AAAA with the QU bit from the caller's ephemeral UDP port,
// asks again kAttempts times kInterval apart, and takes the first reply holding a usable
// address. Replies count only from port 5353 (RFC 6762 6.7). IPv6 link-local addresses are
// skipped: a SocketAddress carries no scope id, so they could not be dialled.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/socket_address.hpp"
#include "core/time.hpp"
#include "net/dns_error.hpp"

namespace umbrella::net {

class MdnsQuery {
 public:
  static constexpr Duration kInterval = seconds(1);
  static constexpr int kAttempts = 3;  // then kTimeout, kAttempts x kInterval after the start

  struct Datagram {
    SocketAddress to;  // always kMdnsGroupV4
    size_t length;
  };
  using Addresses = std::vector<SocketAddress>;

  MdnsQuery(std::string_view name, Instant now);

  // The next query to send, written into out (512 bytes is plenty); nullopt if none is due.
  std::optional<Datagram> poll_transmit(MutableBytes out);
  void on_datagram(const SocketAddress& from, Bytes data, Instant now);
  void on_timeout(Instant now);
  Instant next_deadline() const { return done_ ? kNever : deadline_; }

  bool done() const { return done_; }
  // Once done(): the addresses (IPv4 first, port 0), or why there are none.
  Result<Addresses, DnsError> result() const;

 private:
  void send_round(Instant now);

  std::string name_;
  int round_ = 0;
  size_t due_ = 0;  // queries of this round still to hand out (A, then AAAA)
  Instant deadline_ = kNever;
  Addresses addresses_;
  std::optional<DnsError> error_;
  bool done_ = false;
};

}  // namespace umbrella::net
