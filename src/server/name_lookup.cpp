#include "server/name_lookup.hpp"

#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <type_traits>
#include <utility>

#include "core/log.hpp"
#include "net/hosts_file.hpp"
#include "net/mdns.hpp"
#include "tls/file_io.hpp"
#include "tls/random.hpp"

namespace umbrella::server {

namespace {

constexpr const char* kLog = "dns";

std::optional<std::string> read_text_file(const char* path) {
  auto text = tls::read_file(path);
  if (!text) return std::nullopt;
  return std::move(*text);
}

std::string join_ips(const std::vector<SocketAddress>& addrs, const char* sep) {
  std::string out;
  for (const auto& a : addrs) out += (out.empty() ? "" : sep) + a.ip_string();
  return out;
}

// Calls fn with the resolver the lookup runs (StubResolver or MdnsQuery), if any.
template <typename Engine, typename Fn>
void visit_engine(Engine& engine, Fn&& fn) {
  std::visit(
      [&](auto& e) {
        if constexpr (!std::is_same_v<std::decay_t<decltype(e)>, std::monostate>) fn(e);
      },
      engine);
}

}  // namespace

NameLookup::NameLookup(EventLoop& loop, std::string name, Done done)
    : loop_(loop), name_(std::move(name)), done_(std::move(done)) {
  start();
}

NameLookup::~NameLookup() {
  close_sockets();
  if (timer_) loop_.cancel(timer_);
}

void NameLookup::start() {
  if (auto hosts = read_text_file(kHostsPath)) {
    auto listed = net::lookup_hosts(*hosts, name_);
    if (!listed.empty()) {
      LOG_DEBUG(kLog, name_, " is ", join_ips(listed, ", "), " (", kHostsPath, ")");
      complete_later(std::move(listed));
      return;
    }
  }
  if (net::is_mdns_name(name_)) {
    engine_.emplace<net::MdnsQuery>(name_, loop_.now());
  } else {
    auto text = read_text_file(kResolvConfPath);
    have_resolv_conf_ = text.has_value();
    conf_ = net::parse_resolv_conf(text.value_or(""));
    uint16_t seed = 0;
    tls::Random::instance().fill({reinterpret_cast<uint8_t*>(&seed), sizeof(seed)});
    engine_.emplace<net::StubResolver>(conf_, name_, seed, loop_.now());
  }
  // The first queries go out from the loop too, so done never runs inside the constructor.
  loop_.reschedule(timer_, loop_.now(), [this] {
    timer_ = 0;
    drive();
  });
}

void NameLookup::drive() {
  std::optional<Result<Addresses, std::string>> outcome;
  visit_engine(engine_, [&](auto& resolver) {
    uint8_t buf[512];
    while (auto d = resolver.poll_transmit(buf)) send_to(d->to, Bytes(buf, d->length));
    if (!resolver.done()) {
      loop_.reschedule(timer_, resolver.next_deadline(), [this] {
        timer_ = 0;
        visit_engine(engine_, [&](auto& r) { r.on_timeout(loop_.now()); });
        drive();
      });
      return;
    }
    auto r = resolver.result();
    if (!r) {
      outcome = Err{failure_text(r.error())};
      return;
    }
    LOG_DEBUG(kLog, name_, " is ", join_ips(*r, ", "),
              std::holds_alternative<net::MdnsQuery>(engine_) ? " (mDNS)" : " (DNS)");
    outcome = std::move(*r);
  });
  if (outcome) complete(std::move(*outcome));  // may destroy this: nothing after it
}

std::string NameLookup::failure_text(net::DnsError error) const {
  std::string head = "cannot resolve " + name_ + ": ";
  std::string send = send_error_.empty() ? "" : "; sending failed: " + send_error_;
  if (error == net::DnsError::kBadName) return head + "not a valid host name (check the trunk URL)";
  if (std::holds_alternative<net::MdnsQuery>(engine_)) {
    return head + "no mDNS answer from the local network to " + net::kMdnsGroupV4.to_string() + send +
           " (is the host up, and mDNS allowed by its firewall? Or put the name in /etc/hosts)";
  }
  std::string servers = join_ips(conf_.nameservers, " or ");
  std::string check = have_resolv_conf_
                          ? std::string(" (check ") + kResolvConfPath + ")"
                          : std::string(" (there is no ") + kResolvConfPath + ": add a 'nameserver IP' line)";
  switch (error) {
    case net::DnsError::kTimeout: return head + "no answer from " + servers + send + check;
    case net::DnsError::kNameNotFound:
      return head + "name not found at " + servers + " (check the trunk URL, or put the name in /etc/hosts)";
    case net::DnsError::kServerFailure: return head + "server failure at " + servers + send + check;
    default: return head + std::string(net::to_string(error)) + " from " + servers + send + check;
  }
}

int NameLookup::socket_for(SocketAddress::Family family) {
  int& fd = family == SocketAddress::Family::kIPv6 ? fd6_ : fd4_;
  if (fd >= 0) return fd;
  int domain = family == SocketAddress::Family::kIPv6 ? AF_INET6 : AF_INET;
  fd = socket(domain, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  // The kernel picks a random ephemeral port at the first sendto: with the random query
  // ids, what keeps off-path answers out.
  int fd_copy = fd;
  loop_.watch(fd, EPOLLIN, [this, fd_copy](uint32_t) { on_readable(fd_copy); });
  return fd;
}

bool NameLookup::send_to(const SocketAddress& to, Bytes data) {
  int fd = socket_for(to.family());
  if (fd < 0) {
    send_error_ = std::string("cannot create a UDP socket: ") + std::strerror(errno);
    return false;
  }
  sockaddr_storage ss;
  socklen_t len = to.to_sockaddr(ss);
  if (sendto(fd, data.data(), data.size(), 0, reinterpret_cast<sockaddr*>(&ss), len) < 0) {
    send_error_ = to.ip_string() + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

void NameLookup::on_readable(int fd) {
  Instant now = loop_.now();
  uint8_t buf[net::kMaxUdpPayload + 256];
  for (int i = 0; i < 16; ++i) {  // bounded: a flood cannot hold the loop
    sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&ss), &len);
    if (n < 0) break;  // EAGAIN, or an ICMP error queued for an earlier send: the timer covers it
    auto from = SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len);
    if (!from) continue;
    visit_engine(engine_, [&](auto& resolver) { resolver.on_datagram(*from, Bytes(buf, size_t(n)), now); });
  }
  drive();  // may complete (and destroy this): nothing after it
}

void NameLookup::complete_later(Result<Addresses, std::string> result) {
  loop_.reschedule(timer_, loop_.now(), [this, r = std::move(result)]() mutable {
    timer_ = 0;
    complete(std::move(r));
  });
}

void NameLookup::complete(Result<Addresses, std::string> result) {
  close_sockets();
  if (timer_) loop_.cancel(timer_);
  timer_ = 0;
  Done done = std::move(done_);
  done_ = nullptr;
  if (done) done(std::move(result));  // may destroy this: nothing after it
}

void NameLookup::close_sockets() {
  for (int* fd : {&fd4_, &fd6_}) {
    if (*fd < 0) continue;
    loop_.unwatch(*fd);
    close(*fd);
    *fd = -1;
  }
}

}  // namespace umbrella::server
