// A sans-IO stub resolver: asks the resolv.conf servers for the A and AAAA records of each
// candidate name over UDP, one server at a time, with resolv.conf's timeout and attempts.
// The caller owns the UDP socket and the clock: it sends what poll_transmit() gives, feeds
// replies to on_datagram(), and calls on_timeout() at next_deadline().
// (/etc/hosts and .local names are the caller's first steps: lookup_hosts, mdns.hpp.)
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/socket_address.hpp"
#include "core/time.hpp"
#include "net/dns_message.hpp"
#include "net/resolv_conf.hpp"

namespace umbrella::net {

class StubResolver {
 public:
  struct Datagram {
    SocketAddress to;
    size_t length;
  };
  using Addresses = std::vector<SocketAddress>;

  // id_seed must come from a random source (getrandom): unpredictable ids are what keeps an
  // off-path attacker from answering first.
  StubResolver(ResolvConf conf, std::string_view name, uint16_t id_seed, Instant now);

  // The next query to send, written into out (512 bytes is plenty); nullopt if none is due.
  std::optional<Datagram> poll_transmit(MutableBytes out);
  // A UDP datagram received from `from`; anything not answering an open query is ignored.
  void on_datagram(const SocketAddress& from, Bytes data, Instant now);
  void on_timeout(Instant now);
  Instant next_deadline() const { return done_ ? kNever : deadline_; }

  bool done() const { return done_; }
  // Once done(): the addresses (IPv4 first, port 0), or why there are none.
  Result<Addresses, DnsError> result() const;

 private:
  struct Query {
    RecordType type;
    uint16_t id = 0;
    bool due = false;       // to be (re)sent by poll_transmit
    bool answered = false;  // for the current name
    Addresses addresses = {};
  };
  void start_name(Instant now);
  void send_unanswered(Instant now);
  void next_server(Instant now);
  void check_complete(Instant now);
  void finish(std::optional<DnsError> error);

  ResolvConf conf_;
  std::vector<std::string> names_;
  size_t name_index_ = 0;
  size_t server_index_ = 0;
  int round_ = 0;
  uint16_t next_id_;
  std::array<Query, 2> queries_{Query{RecordType::kA}, Query{RecordType::kAaaa}};
  Instant deadline_ = kNever;
  DnsError last_error_ = DnsError::kTimeout;
  std::optional<DnsError> error_;
  bool done_ = false;
};

}  // namespace umbrella::net
