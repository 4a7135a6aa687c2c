// Server settings from environment variables and command-line flags (flags win).
// One table describes every setting, so --help, parsing and the README cannot drift apart.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/log.hpp"
#include "core/result.hpp"
#include "core/socket_address.hpp"

namespace umbrella::server {

struct Config {
  bool cloud = false;                     // plain HTTP behind a TLS-terminating proxy
  std::string http_prefix;                // "" or "/umbrella"
  std::string http_host;                  // "" = all interfaces
  uint16_t http_port = 8081;
  // HTTP(S) connections one IP address (IPv6: /64) may hold; unset: 32, none in cloud mode.
  std::optional<size_t> http_max_per_ip;
  // Admission bounds (server/admission.hpp); unset: the defaults of --help, 0: none.
  std::optional<SocketAddress> trusted_proxy;  // its X-Forwarded-For names the client (limits only)
  std::optional<size_t> max_participants, max_room_participants, joins_per_minute, sessions_per_minute,
      messages_per_second;
  std::vector<SocketAddress> public_ips;  // the ICE candidates when set (IPv4 and/or IPv6), best first
  std::string public_host;
  uint16_t min_port = 50000;
  uint16_t max_port = 50100;
  size_t media_threads = 1;               // encrypt+send threads, the loop's included (default: CPUs)
  std::string cert_file = "service.crt";
  std::string key_file = "service.key";
  LogLevel log_level = LogLevel::kInfo;
  std::vector<std::string> trunk_urls;
  std::string trunk_secret;
  std::string trunk_ca_file;              // CA bundle to verify trunk peers with
  std::string trunk_pin;                  // SHA-256 fingerprint of a self-signed trunk peer
  bool trunk_insecure = false;            // skip trunk certificate verification (logged)
  bool rendezvous = false;                // introduce trunked sites to each other (#18)
  std::string site_id;                    // this SFU's id in trunks; default derived from hostname
  std::string admin_secret;               // "": read or made in admin.secret beside cert_file
  std::string room_key;                   // HS256 key of room access tokens; "": rooms are open
  std::string metrics_token;              // bearer token that may read /metrics; "": the admin secret only
  std::string record_dir;                 // "": recording unavailable
  std::vector<std::string> record_rooms;  // always recorded (globs with *)
  size_t record_min_free_mb = 256;        // recording stops below this much free space
};

struct CommandLine {
  Config config;
  bool show_help = false;
  bool show_version = false;
  // Subcommand options ("token --room R ..."), kept in order; the settings above still apply.
  std::vector<std::pair<std::string, std::string>> command_options;
  std::vector<std::string> positional;    // subcommand and its arguments, e.g. "make-certs DIR"
};

using EnvLookup = std::function<const char*(const char*)>;

// Parses the environment first, then argv. Errors are one line naming the variable or flag,
// the value, and what is accepted.
Result<CommandLine, std::string> parse_command_line(int argc, const char* const* argv, const EnvLookup& env);
std::string help_text();

}  // namespace umbrella::server
