#include "server_url.hpp"

#include <netdb.h>
#include <sys/socket.h>

#include <charconv>
#include <cstring>

namespace umbrella::loadgen {

Result<ServerUrl, std::string> parse_server_url(std::string_view text) {
  ServerUrl u;
  std::string_view rest = text;
  bool scheme = false;
  if (rest.rfind("https://", 0) == 0) {
    u.tls = scheme = true;
    u.port = 443;
    rest.remove_prefix(8);
  } else if (rest.rfind("http://", 0) == 0) {
    scheme = true;
    u.port = 80;
    rest.remove_prefix(7);
  }
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    u.prefix = std::string(rest.substr(slash));
    while (!u.prefix.empty() && u.prefix.back() == '/') u.prefix.pop_back();
  }
  size_t colon = authority.rfind(':');
  if (colon == std::string_view::npos && !scheme)
    return Err{"--server " + std::string(text) + ": expected http(s)://HOST[:PORT][/prefix] or HOST:PORT"};
  u.host = std::string(authority.substr(0, colon));
  if (colon != std::string_view::npos) {
    std::string_view p = authority.substr(colon + 1);
    unsigned port = 0;
    auto r = std::from_chars(p.data(), p.data() + p.size(), port);
    if (r.ec != std::errc() || r.ptr != p.data() + p.size() || port == 0 || port > 65535)
      return Err{"--server " + std::string(text) + ": bad port"};
    u.port = uint16_t(port);
  }
  if (u.host.empty()) return Err{"--server " + std::string(text) + ": no host"};
  return u;
}

Result<bool, std::string> resolve_server(ServerUrl& url) {
  if (auto a = SocketAddress::parse(url.host, url.port); a && a->is_ipv4()) {
    url.address = *a;
    return true;
  }
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = ::getaddrinfo(url.host.c_str(), nullptr, &hints, &res);
  if (rc != 0 || !res) return Err{"cannot resolve " + url.host + ": " + ::gai_strerror(rc)};
  auto a = SocketAddress::from_sockaddr(res->ai_addr, res->ai_addrlen);
  ::freeaddrinfo(res);
  if (!a) return Err{"cannot resolve " + url.host + ": no IPv4 address"};
  url.address = SocketAddress::parse(a->ip_string(), url.port).value_or(*a);
  return true;
}

std::string host_header(const ServerUrl& url) { return url.host + ":" + std::to_string(url.port); }

Result<std::unique_ptr<stream::TcpStream>, std::string> connect_to_server(EventLoop& loop, stream::TcpStream::Owner& owner,
                                                                          const ServerUrl& url,
                                                                          const tls::TlsClientConfig* tls) {
  std::optional<tls::TlsSession> session;
  if (url.tls) {
    if (!tls) return Err{std::string("https:// needs a TLS configuration")};
    session.emplace(tls::TlsSession::client(*tls, url.host));  // ClientHello waits for the connect
    if (session->failed()) return Err{"TLS: " + session->error()};
  }
  auto s = stream::TcpStream::connect(loop, owner, url.address, std::move(session), stream::TcpStream::Limits{});
  if (!s) return Err{"connect to " + url.address.to_string() + ": " + std::strerror(s.error())};
  return std::move(*s);
}

}  // namespace umbrella::loadgen
