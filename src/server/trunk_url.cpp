#include "server/trunk_url.hpp"

#include <cctype>

#include "core/socket_address.hpp"

namespace umbrella::server {

namespace {

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

bool valid_host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
}

}  // namespace

Result<TrunkUrl, std::string> parse_trunk_url(std::string_view url) {
  auto bad = [&](std::string why) { return Err{"bad trunk URL '" + std::string(url) + "': " + why}; };
  TrunkUrl out{};
  std::string_view rest;
  if (starts_with_nocase(url, "wss://")) {
    out.tls = true;
    out.port = 443;
    rest = url.substr(6);
  } else if (starts_with_nocase(url, "ws://")) {
    out.tls = false;
    out.port = 80;
    rest = url.substr(5);
  } else {
    return bad("expected wss://host[:port][/path]");
  }
  for (char c : rest)
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) return bad("contains spaces or control characters");
  if (rest.find('#') != std::string_view::npos) return bad("a fragment (#) is not allowed");
  size_t slash = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) return bad("user info (@) is not allowed");
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("missing ']' after IPv6 address");
    out.host = std::string(authority.substr(1, close - 1));
    if (out.host.empty()) return bad("empty host");
    auto ip = SocketAddress::parse_ip(out.host);
    if (!ip || !ip->is_ipv6()) return bad("'" + out.host + "' in brackets is not an IPv6 address");
    if (ip->is_link_local()) return bad("a link-local IPv6 address needs an interface; use a global or unique-local one");
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("unexpected text after ']'");
      port_text = after.substr(1);
      if (port_text.empty()) return bad("empty port");
    }
  } else {
    size_t colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return bad("empty port");
    }
    if (out.host.empty()) return bad("empty host");
    for (char c : out.host)
      if (!valid_host_char(c)) return bad("bad character in host name");
  }
  if (!port_text.empty()) {
    if (port_text.size() > 5) return bad("bad port");
    uint32_t port = 0;
    for (char c : port_text) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return bad("bad port");
      port = port * 10 + uint32_t(c - '0');
    }
    if (port == 0 || port > 65535) return bad("port out of range");
    out.port = uint16_t(port);
  }
  if (path.empty() || path == "/") {
    out.path = "/wsb";
  } else if (path.front() == '?') {
    out.path = "/wsb" + std::string(path);
  } else {
    out.path = std::string(path);
  }
  return out;
}

std::string trunk_host_header(const TrunkUrl& url) {
  bool v6 = url.host.find(':') != std::string::npos;
  std::string host = v6 ? "[" + url.host + "]" : url.host;
  if (url.port != (url.tls ? 443 : 80)) host += ":" + std::to_string(url.port);
  return host;
}

}  // namespace umbrella::server
