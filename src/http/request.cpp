#include "http/request.hpp"


namespace umbrella::http {

namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

void to_lower(std::string& s) {
  for (char& c : s) c = lower(c);
}

std::optional<std::string_view> find_header(const std::vector<Header>& headers, std::string_view name) {
  for (const auto& [n, v] : headers)
    if (iequals(n, name)) return std::string_view(v);
  return std::nullopt;
}

bool Request::has_token(std::string_view name, std::string_view token) const {
  for (const auto& [n, v] : headers) {
    if (!iequals(n, name)) continue;
    std::string_view rest = v;
    while (!rest.empty()) {
      size_t comma = rest.find(',');
      std::string_view item = trim(rest.substr(0, comma));
      if (iequals(item, token)) return true;
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return false;
}

std::optional<std::string> Request::query_param(std::string_view name) const {
  std::string_view rest = query;
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    size_t eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    auto decoded_key = percent_decode(key, true);
    if (decoded_key && *decoded_key == name) return percent_decode(value, true);
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

std::optional<std::string> percent_decode(std::string_view text, bool plus_as_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int hi = hex_value(text[i + 1]), lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(char(hi << 4 | lo));
      i += 2;
    } else if (c == '+' && plus_as_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

void split_target(std::string_view target, std::string& path, std::string& query) {
  std::string_view t = target.substr(0, target.find('#'));
  // absolute-form: drop "scheme://authority".
  if (!t.empty() && t.front() != '/' && t != "*") {
    size_t scheme_end = t.find("://");
    if (scheme_end != std::string_view::npos) {
      size_t start = t.find_first_of("/?", scheme_end + 3);
      t = start == std::string_view::npos ? std::string_view() : t.substr(start);
    }
  }
  size_t q = t.find('?');
  std::string_view p = t.substr(0, q);
  path.assign(p.empty() ? std::string_view("/") : p);
  query.assign(q == std::string_view::npos ? std::string_view() : t.substr(q + 1));
}

SocketAddress client_address(const Request& request, const std::optional<SocketAddress>& trusted_proxy) {
  if (!trusted_proxy || request.peer.ip_string() != trusted_proxy->ip_string()) return request.peer;
  // The last X-Forwarded-For header's last entry (a proxy may add a header or extend one).
  std::optional<std::string_view> last;
  for (auto& [name, value] : request.headers)
    if (name == "x-forwarded-for") last = value;
  if (!last) return request.peer;
  std::string_view v = *last;
  if (auto comma = v.rfind(','); comma != std::string_view::npos) v = v.substr(comma + 1);
  auto ip = SocketAddress::parse_ip(trim(v));
  return ip ? *ip : request.peer;  // unparsable: the proxy's own address counts
}

}  // namespace umbrella::http
