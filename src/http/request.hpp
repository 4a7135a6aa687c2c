// An HTTP/1.1 request as the control plane sees it, plus the small text helpers routing needs
// (header lookup, query parameters, percent-decoding).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/socket_address.hpp"

namespace umbrella::http {

using Header = std::pair<std::string, std::string>;

// First header with this name (case-insensitive).
std::optional<std::string_view> find_header(const std::vector<Header>& headers, std::string_view name);

struct Request {
  std::string method;   // "GET", "POST", ... as llhttp names it
  std::string target;   // request-target exactly as sent
  std::string path;     // path part of target, NOT percent-decoded (decode per segment if needed)
  std::string query;    // after '?', without '#fragment'; raw
  int http_minor = 1;   // HTTP/1.<minor>
  std::vector<Header> headers;  // names lower-cased, values trimmed; order and duplicates kept
  std::string body;     // de-chunked
  bool keep_alive = true;
  bool upgrade = false;  // llhttp saw Upgrade (+ Connection: upgrade) or CONNECT
  SocketAddress peer;    // the connection's far end (the proxy's, behind one), for per-address bounds

  std::optional<std::string_view> header(std::string_view name) const { return find_header(headers, name); }
  // True when any header `name` holds `token` in its comma-separated list (case-insensitive),
  // e.g. has_token("connection", "upgrade").
  bool has_token(std::string_view name, std::string_view token) const;
  // First query parameter `name`, form-decoded ('+' is space, %XX escapes). A parameter
  // without '=' yields "". nullopt when absent or badly escaped.
  std::optional<std::string> query_param(std::string_view name) const;
};

// Whose request this is, for per-address limits: the connection's peer, or behind a reverse
// proxy we were told to trust, the address that proxy appended to X-Forwarded-For. Only the
// last entry counts: the proxy appends what it saw; anything before it came from the client.
SocketAddress client_address(const Request& request, const std::optional<SocketAddress>& trusted_proxy);

// Decodes %XX escapes; with plus_as_space also '+' -> ' ' (form encoding). nullopt on a bad escape.
std::optional<std::string> percent_decode(std::string_view text, bool plus_as_space = false);

bool iequals(std::string_view a, std::string_view b);
std::string_view trim(std::string_view s);
void to_lower(std::string& s);

// Splits a request-target into path and query (handles origin-form "/a?b", absolute-form
// "http://h/a?b" and asterisk-form "*").
void split_target(std::string_view target, std::string& path, std::string& query);

}  // namespace umbrella::http
