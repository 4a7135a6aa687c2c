// Host name -> addresses for trunks, without NSS (a static glibc binary from an empty root
// has none) and without blocking the event loop: /etc/hosts, then a one-shot mDNS query for
// ".local" names, else the /etc/resolv.conf servers over UDP (net::StubResolver). This is
// the I/O driver only (sockets, timer, files); the protocols live in src/net.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "core/event_loop.hpp"
#include "core/result.hpp"
#include "core/socket_address.hpp"
#include "net/mdns_query.hpp"
#include "net/resolv_conf.hpp"
#include "net/stub_resolver.hpp"

namespace umbrella::server {

class NameLookup {
 public:
  // At least one address (port 0; IPv4 first from DNS and mDNS, file order from /etc/hosts),
  // or one line: "cannot resolve NAME: why (what to check)".
  using Addresses = std::vector<SocketAddress>;
  using Done = std::function<void(Result<Addresses, std::string>)>;

  // Fixed paths, as glibc's: tests give the binary its own files by running it chrooted.
  static constexpr const char* kHostsPath = "/etc/hosts";
  static constexpr const char* kResolvConfPath = "/etc/resolv.conf";

  // Starts at once. done runs exactly once, later, from the loop (never inside the
  // constructor); destroying the lookup first cancels it. done may destroy the lookup.
  NameLookup(EventLoop& loop, std::string name, Done done);
  ~NameLookup();
  NameLookup(const NameLookup&) = delete;
  NameLookup& operator=(const NameLookup&) = delete;

 private:
  using Engine = std::variant<std::monostate, net::StubResolver, net::MdnsQuery>;

  void start();
  // Sends what the engine has to send, re-arms the timer, and completes when it is done.
  void drive();
  void on_readable(int fd);
  bool send_to(const SocketAddress& to, Bytes data);
  int socket_for(SocketAddress::Family family);
  std::string failure_text(net::DnsError error) const;
  void complete_later(Result<Addresses, std::string> result);
  void complete(Result<Addresses, std::string> result);
  void close_sockets();

  EventLoop& loop_;
  std::string name_;
  Done done_;
  Engine engine_;
  net::ResolvConf conf_;
  bool have_resolv_conf_ = false;
  int fd4_ = -1;
  int fd6_ = -1;
  std::string send_error_;  // the latest sendto() failure, for the final message
  EventLoop::TimerId timer_ = 0;
};

}  // namespace umbrella::server
