#include "core/socket_address.hpp"

#include <arpa/inet.h>

namespace umbrella {

SocketAddress SocketAddress::ipv4(std::array<uint8_t, 4> ip, uint16_t port) {
  SocketAddress a;
  a.family_ = Family::kIPv4;
  a.port_ = port;
  std::memcpy(a.ip_.data(), ip.data(), 4);
  return a;
}

SocketAddress SocketAddress::ipv6(const std::array<uint8_t, 16>& ip, uint16_t port) {
  SocketAddress a;
  a.family_ = Family::kIPv6;
  a.port_ = port;
  a.ip_ = ip;
  return a;
}

std::optional<SocketAddress> SocketAddress::from_sockaddr(const sockaddr* sa, socklen_t len) {
  if (sa->sa_family == AF_INET && len >= socklen_t(sizeof(sockaddr_in))) {
    auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    std::array<uint8_t, 4> ip;
    std::memcpy(ip.data(), &in->sin_addr, 4);
    return ipv4(ip, ntohs(in->sin_port));
  }
  if (sa->sa_family == AF_INET6 && len >= socklen_t(sizeof(sockaddr_in6))) {
    auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    std::array<uint8_t, 16> ip;
    std::memcpy(ip.data(), &in6->sin6_addr, 16);
    // A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d; keep them IPv4.
    static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(ip.data(), kMapped, 12) == 0) return ipv4({ip[12], ip[13], ip[14], ip[15]}, ntohs(in6->sin6_port));
    return ipv6(ip, ntohs(in6->sin6_port));
  }
  return std::nullopt;
}

std::optional<SocketAddress> SocketAddress::parse_ip(std::string_view text) {
  // Empty text (e.g. a bare "nameserver" line) may come with a null data(), which memcpy
  // must not get even for zero bytes.
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  char buf[INET6_ADDRSTRLEN];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = 0;
  std::array<uint8_t, 4> v4;
  if (inet_pton(AF_INET, buf, v4.data()) == 1) return ipv4(v4, 0);
  std::array<uint8_t, 16> v6;
  if (inet_pton(AF_INET6, buf, v6.data()) == 1) return ipv6(v6, 0);
  return std::nullopt;
}

std::optional<SocketAddress> SocketAddress::parse(std::string_view text, uint16_t default_port) {
  std::string_view host = text;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = text.substr(1, close - 1);
    auto rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port_text = rest.substr(1);
    }
  } else if (auto colon = text.rfind(':'); colon != std::string_view::npos && text.find(':') == colon) {
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  uint16_t port = default_port;
  if (!port_text.empty()) {
    uint32_t v = 0;
    for (char c : port_text) {
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + uint32_t(c - '0');
      if (v > 65535) return std::nullopt;
    }
    port = uint16_t(v);
  }
  auto a = parse_ip(host);
  if (!a) return std::nullopt;
  a->port_ = port;
  return a;
}

bool SocketAddress::is_loopback() const {
  if (is_ipv4()) return ip_[0] == 127;
  if (is_ipv6()) {
    static const std::array<uint8_t, 16> loop{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    return ip_ == loop;
  }
  return false;
}

socklen_t SocketAddress::to_sockaddr(sockaddr_storage& out) const {
  std::memset(&out, 0, sizeof(out));
  if (is_ipv4()) {
    auto* in = reinterpret_cast<sockaddr_in*>(&out);
    in->sin_family = AF_INET;
    in->sin_port = htons(port_);
    std::memcpy(&in->sin_addr, ip_.data(), 4);
    return sizeof(sockaddr_in);
  }
  if (is_ipv6()) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&out);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port_);
    std::memcpy(&in6->sin6_addr, ip_.data(), 16);
    return sizeof(sockaddr_in6);
  }
  return 0;
}

socklen_t SocketAddress::to_sockaddr_in6(sockaddr_in6& out) const {
  out.sin6_family = AF_INET6;
  out.sin6_port = htons(port_);
  out.sin6_flowinfo = 0;
  out.sin6_scope_id = 0;
  if (is_ipv4()) {
    static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    std::memcpy(&out.sin6_addr, kMapped, 12);
    std::memcpy(reinterpret_cast<uint8_t*>(&out.sin6_addr) + 12, ip_.data(), 4);
  } else {
    std::memcpy(&out.sin6_addr, ip_.data(), 16);
  }
  return sizeof(sockaddr_in6);
}

bool SocketAddress::is_link_local() const {
  if (is_ipv4()) return ip_[0] == 169 && ip_[1] == 254;
  return is_ipv6() && ip_[0] == 0xfe && (ip_[1] & 0xc0) == 0x80;
}

std::string SocketAddress::ip_string() const {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (is_ipv4()) inet_ntop(AF_INET, ip_.data(), buf, sizeof(buf));
  else if (is_ipv6()) inet_ntop(AF_INET6, ip_.data(), buf, sizeof(buf));
  return buf;
}

std::string SocketAddress::to_string() const {
  if (is_ipv6()) return "[" + ip_string() + "]:" + std::to_string(port_);
  return ip_string() + ":" + std::to_string(port_);
}

size_t SocketAddress::hash() const {
  // FNV-1a over the bytes that matter; cheap and good enough for a few thousand peers.
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](uint8_t b) { h = (h ^ b) * 1099511628211ull; };
  mix(uint8_t(family_));
  mix(uint8_t(port_ >> 8));
  mix(uint8_t(port_));
  for (size_t i = 0; i < ip_size(); ++i) mix(ip_[i]);
  return size_t(h);
}

}  // namespace umbrella
