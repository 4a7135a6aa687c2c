// An IPv4 or IPv6 address with port: a small value type usable as a map key,
// convertible to and from sockaddr for the I/O layer.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace umbrella {

class SocketAddress {
 public:
  enum class Family : uint8_t { kNone, kIPv4, kIPv6 };

  SocketAddress() = default;
  static SocketAddress ipv4(std::array<uint8_t, 4> ip, uint16_t port);
  static SocketAddress ipv6(const std::array<uint8_t, 16>& ip, uint16_t port);
  static std::optional<SocketAddress> from_sockaddr(const sockaddr* sa, socklen_t len);
  // "1.2.3.4:5", "[::1]:5", or a bare IP with default_port.
  static std::optional<SocketAddress> parse(std::string_view text, uint16_t default_port = 0);
  // A bare IP address ("1.2.3.4" or "::1"), port 0.
  static std::optional<SocketAddress> parse_ip(std::string_view text);

  Family family() const { return family_; }
  bool is_ipv4() const { return family_ == Family::kIPv4; }
  bool is_ipv6() const { return family_ == Family::kIPv6; }
  bool valid() const { return family_ != Family::kNone; }
  uint16_t port() const { return port_; }
  void set_port(uint16_t p) { port_ = p; }
  // 4 bytes for IPv4, 16 for IPv6, network order.
  const uint8_t* ip_bytes() const { return ip_.data(); }
  size_t ip_size() const { return family_ == Family::kIPv4 ? 4 : family_ == Family::kIPv6 ? 16 : 0; }
  bool is_loopback() const;

  socklen_t to_sockaddr(sockaddr_storage& out) const;
  // For an AF_INET6 socket: IPv6 as is, IPv4 as ::ffff:a.b.c.d (a dual-stack socket takes
  // no sockaddr_in).
  socklen_t to_sockaddr_in6(sockaddr_in6& out) const;
  // Link-local (fe80::/10 or 169.254/16): needs an interface to be usable.
  bool is_link_local() const;
  std::string ip_string() const;
  std::string to_string() const;  // "ip:port" or "[ip]:port"

  friend bool operator==(const SocketAddress& a, const SocketAddress& b) {
    return a.family_ == b.family_ && a.port_ == b.port_ && a.ip_ == b.ip_;
  }
  size_t hash() const;

 private:
  Family family_ = Family::kNone;
  uint16_t port_ = 0;
  std::array<uint8_t, 16> ip_{};
};

}  // namespace umbrella

template <>
struct std::hash<umbrella::SocketAddress> {
  size_t operator()(const umbrella::SocketAddress& a) const noexcept { return a.hash(); }
};
