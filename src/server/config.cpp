#include "server/config.hpp"

#include <algorithm>
#include <cstring>

#include "core/worker_pool.hpp"
#include "server/trunk_url.hpp"

namespace umbrella::server {
namespace {

using Apply = std::function<std::optional<std::string>(Config&, const std::string&)>;

struct Setting {
  const char* env;       // environment variable
  const char* flag;      // --flag
  const char* value;     // placeholder in help; nullptr for a switch
  const char* fallback;  // default shown in help
  const char* help;
  Apply apply;           // returns an error description (what is accepted) or nullopt
};

std::optional<std::string> parse_bool(const std::string& v, bool& out) {
  if (v == "1" || v == "true" || v == "yes" || v == "on") { out = true; return std::nullopt; }
  if (v == "0" || v == "false" || v == "no" || v == "off" || v.empty()) { out = false; return std::nullopt; }
  return "expected 1/0, true/false, yes/no or on/off";
}

std::optional<std::string> parse_port(const std::string& v, uint16_t& out) {
  if (v.empty() || v.size() > 5) return "expected a port number 1-65535";
  uint32_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return "expected a port number 1-65535";
    n = n * 10 + uint32_t(c - '0');
  }
  if (n == 0 || n > 65535) return "expected a port number 1-65535";
  out = uint16_t(n);
  return std::nullopt;
}

// Threads beyond this add more waking than encrypting for one loop's batches.
constexpr size_t kDefaultThreadsMax = 8;

std::optional<std::string> parse_threads(const std::string& v, size_t& out) {
  constexpr const char* expected = "expected a number of threads 1-64 (1 keeps media on the event loop)";
  if (v.empty() || v.size() > 2) return expected;
  size_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return expected;
    n = n * 10 + size_t(c - '0');
  }
  if (n == 0 || n > WorkerPool::kMaxThreads) return expected;
  out = n;
  return std::nullopt;
}

// A count 0..max (0 = no limit).
std::optional<std::string> parse_count(const std::string& v, size_t max, const char* what, std::optional<size_t>& out) {
  std::string expected = std::string("expected a number of ") + what + " 0-" + std::to_string(max) + " (0 = no limit)";
  if (v.empty() || v.size() > 7 || v.find_first_not_of("0123456789") != std::string::npos) return expected;
  size_t n = 0;
  for (char ch : v) n = n * 10 + size_t(ch - '0');
  if (n > max) return expected;
  out = n;
  return std::nullopt;
}

std::vector<std::string> split_list(const std::string& v) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= v.size()) {
    size_t comma = std::min(v.find(',', start), v.size());
    std::string item = v.substr(start, comma - start);
    auto b = item.find_first_not_of(" \t");
    auto e = item.find_last_not_of(" \t");
    if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
    start = comma + 1;
  }
  return out;
}

const std::vector<Setting>& settings() {
  static const std::vector<Setting> table = {
      {"UMBRELLA_CLOUD", "--cloud", nullptr, "0",
       "cloud mode: plain HTTP behind a TLS-terminating reverse proxy",
       [](Config& c, const std::string& v) { return parse_bool(v, c.cloud); }},
      {"UMBRELLA_HTTP_PREFIX", "--http-prefix", "PATH", "(none)",
       "path prefix for every route, e.g. /umbrella serves /umbrella/sfu",
       [](Config& c, const std::string& v) -> std::optional<std::string> {
         std::string p = v;
         while (!p.empty() && p.back() == '/') p.pop_back();
         if (!p.empty() && p.front() != '/') return "expected a path starting with '/', e.g. /umbrella";
         if (p.find_first_of(" ?#\"<>\\") != std::string::npos) return "expected a plain URL path";
         c.http_prefix = p;
         return std::nullopt;
       }},
      {"UMBRELLA_HTTP_SERVE_ADDR", "--http-addr", "[HOST]:PORT", ":8081",
       "address the HTTP(S) server listens on (:PORT and [::]:PORT: IPv4 and IPv6)",
       [](Config& c, const std::string& v) -> std::optional<std::string> {
         auto colon = v.rfind(':');
         if (colon == std::string::npos) return "expected [HOST]:PORT, e.g. :8081 or 127.0.0.1:9000";
         std::string host = v.substr(0, colon);
         if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
         else if (host.find(':') != std::string::npos) return "an IPv6 address goes in brackets, e.g. [::1]:8081";
         if (!host.empty() && !SocketAddress::parse_ip(host)) return "expected an IP address before ':', e.g. 127.0.0.1:8081";
         if (auto e = parse_port(v.substr(colon + 1), c.http_port)) return "expected [HOST]:PORT with a port 1-65535";
         c.http_host = host;
         return std::nullopt;
       }},
      {"UMBRELLA_HTTP_MAX_PER_IP", "--http-max-per-ip", "N", "32 (cloud: 0)",
       "HTTP(S) connections one IP address (IPv6: one /64) may hold at once; 0 = no limit",
       [](Config& c, const std::string& v) { return parse_count(v, 100000, "connections", c.http_max_per_ip); }},
      {"UMBRELLA_TRUSTED_PROXY", "--trusted-proxy", "IP", "(none)",
       "reverse proxy whose X-Forwarded-For (its last entry) names the client for per-address limits",
       [](Config& c, const std::string& v) -> std::optional<std::string> {
         if (v.empty()) { c.trusted_proxy.reset(); return std::nullopt; }
         auto a = SocketAddress::parse_ip(v);
         if (!a) return "expected the proxy's IP address, e.g. 127.0.0.1";
         c.trusted_proxy = a;
         return std::nullopt;
       }},
      {"UMBRELLA_MAX_PARTICIPANTS", "--max-participants", "N", "200",
       "participants (/wsb, WHIP, WHEP) this server holds at once; 0 = no limit",
       [](Config& c, const std::string& v) { return parse_count(v, 100000, "participants", c.max_participants); }},
      {"UMBRELLA_MAX_ROOM_PARTICIPANTS", "--max-room-participants", "N", "32",
       "participants one room holds at once; 0 = no limit",
       [](Config& c, const std::string& v) { return parse_count(v, 100000, "participants", c.max_room_participants); }},
      {"UMBRELLA_JOINS_PER_MINUTE", "--joins-per-minute", "N", "30 (cloud: 0 without a trusted proxy)",
       "/wsb joins one IP address (IPv6: one /64) may make a minute; 0 = no limit",
       [](Config& c, const std::string& v) { return parse_count(v, 1000000, "joins", c.joins_per_minute); }},
      {"UMBRELLA_SESSIONS_PER_MINUTE", "--sessions-per-minute", "N", "30 (cloud: 0 without a trusted proxy)",
       "WHIP/WHEP sessions one IP address (IPv6: one /64) may start a minute; 0 = no limit",
       [](Config& c, const std::string& v) { return parse_count(v, 1000000, "sessions", c.sessions_per_minute); }},
      {"UMBRELLA_MESSAGES_PER_SECOND", "--messages-per-second", "N", "50",
       "signalling messages one /wsb connection may send a second (twice that in a burst); 0 = no limit",
       [](Config& c, const std::string& v) { return parse_count(v, 1000000, "messages", c.messages_per_second); }},
      {"UMBRELLA_PUBLIC_IP", "--public-ip", "IP[,IP]", "(interface addresses)",
       "IPv4 and/or IPv6 addresses announced as the only ICE candidates (the server's public addresses)",
       [](Config& c, const std::string& v) -> std::optional<std::string> {
         c.public_ips.clear();
         for (auto& text : split_list(v)) {
           auto a = SocketAddress::parse_ip(text);
           if (!a || a->is_link_local())
             return "'" + text + "' is not a usable IP address; expected IPv4 or IPv6 addresses, comma-separated, "
                    "e.g. 203.0.113.7,2001:db8::7 (no brackets, ports or link-local fe80:: addresses)";
           if (std::find(c.public_ips.begin(), c.public_ips.end(), *a) == c.public_ips.end()) c.public_ips.push_back(*a);
           if (c.public_ips.size() > 8) return "at most 8 addresses";
         }
         return std::nullopt;
       }},
      {"UMBRELLA_PUBLIC_HOST", "--public-host", "NAME", "(none)",
       "public host name of the server, e.g. sfu.example.org",
       [](Config& c, const std::string& v) -> std::optional<std::string> {
         if (v.find_first_of(" /:") != std::string::npos) return "expected a host name without scheme, port or path";
         c.public_host = v;
         return std::nullopt;
       }},
      {"UMBRELLA_MIN_PORT", "--min-port", "PORT", "50000",
       "lowest UDP port the media port may use",
       [](Config& c, const std::string& v) { return parse_port(v, c.min_port); }},
      {"UMBRELLA_MAX_PORT", "--max-port", "PORT", "50100",
       "highest UDP port the media port may use",
       [](Config& c, const std::string& v) { return parse_port(v, c.max_port); }},
      {"UMBRELLA_MEDIA_THREADS", "--media-threads", "N", "(CPUs, at most 8)",
       "threads that encrypt (SRTP) and send media, the event loop's included",
       [](Config& c, const std::string& v) { return parse_threads(v, c.media_threads); }},
      {"UMBRELLA_CERT_FILE", "--cert", "PATH", "service.crt",
       "HTTPS certificate (PEM); generated self-signed when missing",
       [](Config& c, const std::string& v) -> std::optional<std::string> {
         if (v.empty()) return "expected a file path";
         c.cert_file = v;
         return std::nullopt;
       }},
      {"UMBRELLA_KEY_FILE", "--key", "PATH", "service.key",
       "HTTPS private key (PEM)",
       [](Config& c, const std::string& v) -> std::optional<std::string> {
         if (v.empty()) return "expected a file path";
         c.key_file = v;
         return std::nullopt;
       }},
      {"UMBRELLA_LOG_LEVEL", "--log-level", "LEVEL", "info",
       "trace, debug, info, warn, error or off",
       [](Config& c, const std::string& v) -> std::optional<std::string> {
         auto l = parse_log_level(v);
         if (!l) return "expected one of trace, debug, info, warn, error, off";
         c.log_level = *l;
         return std::nullopt;
       }},
      {"UMBRELLA_TRUNK_URL", "--trunk-url", "URL[,URL]", "(none)",
       "wss://HOST[/prefix]/wsb of other SFUs to trunk to (repeatable or comma-separated)",
       [](Config& c, const std::string& v) -> std::optional<std::string> {
         for (auto& u : split_list(v)) {
           if (u.rfind("wss://", 0) != 0 && u.rfind("ws://", 0) != 0) return "expected wss://HOST[:PORT][/prefix]/wsb";
           if (auto parsed = parse_trunk_url(u); !parsed) return parsed.error();
           c.trunk_urls.push_back(u);
         }
         return std::nullopt;
       }},
      {"UMBRELLA_TRUNK_SECRET", "--trunk-secret", "SECRET", "(none)",
       "shared secret a trunk peer must present (and that this SFU presents when dialling)",
       [](Config& c, const std::string& v) { c.trunk_secret = v; return std::optional<std::string>(); }},
      {"UMBRELLA_TRUNK_CA", "--trunk-ca", "PATH", "(system CAs)",
       "CA file to verify trunk peers' certificates with",
       [](Config& c, const std::string& v) { c.trunk_ca_file = v; return std::optional<std::string>(); }},
      {"UMBRELLA_TRUNK_PIN", "--trunk-pin", "SHA256", "(none)",
       "accept a trunk peer whose certificate has this SHA-256 fingerprint (self-signed peers)",
       [](Config& c, const std::string& v) { c.trunk_pin = v; return std::optional<std::string>(); }},
      {"UMBRELLA_TRUNK_INSECURE", "--trunk-insecure", nullptr, "0",
       "do not verify trunk peers' certificates (logged at every connection)",
       [](Config& c, const std::string& v) { return parse_bool(v, c.trunk_insecure); }},
      {"UMBRELLA_RENDEZVOUS", "--rendezvous", nullptr, "0",
       "introduce trunked sites that share a room to each other and relay their direct-connection set-up",
       [](Config& c, const std::string& v) { return parse_bool(v, c.rendezvous); }},
      {"UMBRELLA_SITE_ID", "--site-id", "ID", "(hostname)",
       "this SFU's name in trunks",
       [](Config& c, const std::string& v) -> std::optional<std::string> {
         if (v.size() > 40) return "expected at most 40 characters";
         c.site_id = v;
         return std::nullopt;
       }},
      {"UMBRELLA_ADMIN_SECRET", "--admin-secret", "SECRET", "(generated)",
       "administrator secret for /trunk, detailed /status and every control action; when unset, "
       "made at first start in admin.secret beside the certificate and printed once",
       [](Config& c, const std::string& v) -> std::optional<std::string> {
         if (!v.empty() && v.size() < 16) return "expected at least 16 characters (or unset it to generate one)";
         if (v.size() > 127) return "expected at most 127 characters";
         c.admin_secret = v;
         return std::nullopt;
       }},
      {"UMBRELLA_ROOM_KEY", "--room-key", "KEY", "(none: rooms open)",
       "key that signs room access tokens (umbrella token); when set, joining needs a token",
       [](Config& c, const std::string& v) -> std::optional<std::string> {
         if (!v.empty() && v.size() < 16) return "expected at least 16 characters (HS256 wants a long random key)";
         c.room_key = v;
         return std::nullopt;
       }},
      {"UMBRELLA_METRICS_TOKEN", "--metrics-token", "TOKEN", "(none: admin secret only)",
       "bearer token that may read /metrics (Prometheus) besides the administrator secret",
       [](Config& c, const std::string& v) -> std::optional<std::string> {
         // Guessable tokens would open the server's internals to anyone who can reach it.
         if (!v.empty() && v.size() < 16) return "expected at least 16 characters (or unset it)";
         if (v.size() > 127) return "expected at most 127 characters";
         c.metrics_token = v;
         return std::nullopt;
       }},
      {"UMBRELLA_RECORD_DIR", "--record-dir", "DIR", "(none: no recording)",
       "folder recordings go to (one WebM file per participant); unset: recording is unavailable",
       [](Config& c, const std::string& v) -> std::optional<std::string> {
         c.record_dir = v;
         while (c.record_dir.size() > 1 && c.record_dir.back() == '/') c.record_dir.pop_back();
         return std::nullopt;
       }},
      {"UMBRELLA_RECORD_ROOMS", "--record-rooms", "ROOM[,ROOM]", "(none)",
       "rooms always recorded: names, * matches any characters (e.g. lecture-*,board)",
       [](Config& c, const std::string& v) -> std::optional<std::string> {
         c.record_rooms = split_list(v);
         return std::nullopt;
       }},
      {"UMBRELLA_RECORD_MIN_FREE_MB", "--record-min-free-mb", "MB", "256",
       "recording stops while the record folder's disk has less free space than this",
       [](Config& c, const std::string& v) -> std::optional<std::string> {
         std::optional<size_t> mb;
         if (parse_count(v, 10000000, "megabytes", mb)) return "expected megabytes 0-10000000";
         c.record_min_free_mb = *mb;
         return std::nullopt;
       }},
  };
  return table;
}

}  // namespace

Result<CommandLine, std::string> parse_command_line(int argc, const char* const* argv, const EnvLookup& env) {
  CommandLine cl;
  cl.config.media_threads = std::min(WorkerPool::available_cpus(), kDefaultThreadsMax);
  bool trunks_from_flags = false;
  for (const auto& s : settings()) {
    const char* v = env(s.env);
    if (!v) continue;
    if (auto e = s.apply(cl.config, v)) return Err{std::string(s.env) + "='" + v + "': " + *e};
  }
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") { cl.show_help = true; continue; }
    if (arg == "--version" || arg == "-V") { cl.show_version = true; continue; }
    if (arg.rfind("--", 0) != 0) { cl.positional.push_back(arg); continue; }
    std::string name = arg;
    std::optional<std::string> value;
    if (auto eq = arg.find('='); eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    }
    const Setting* found = nullptr;
    for (const auto& s : settings())
      if (name == s.flag) found = &s;
    if (!found && !cl.positional.empty()) {  // the subcommand's own option
      if (!value && i + 1 < argc && std::string_view(argv[i + 1]).rfind("--", 0) != 0) value = argv[++i];
      cl.command_options.emplace_back(name, value.value_or(""));
      continue;
    }
    if (!found) return Err{"unknown option " + name + " (see umbrella --help)"};
    if (!found->value) {
      if (!value) value = "1";
    } else if (!value) {
      if (i + 1 >= argc) return Err{name + " needs a value: " + found->value};
      value = argv[++i];
    }
    if (name == "--trunk-url" && !trunks_from_flags) {
      cl.config.trunk_urls.clear();  // flags replace the environment's list
      trunks_from_flags = true;
    }
    if (auto e = found->apply(cl.config, *value)) return Err{name + " '" + *value + "': " + *e};
  }
  if (cl.config.min_port > cl.config.max_port)
    return Err{"UMBRELLA_MIN_PORT (" + std::to_string(cl.config.min_port) + ") is above UMBRELLA_MAX_PORT (" +
               std::to_string(cl.config.max_port) + "): expected MIN <= MAX"};
  return cl;
}

std::string help_text() {
  std::string out =
      "Usage: umbrella [OPTIONS]\n"
      "       umbrella make-certs [DIR] [HOSTNAME]   make a local CA and a server certificate\n"
      "       umbrella token --room R --identity I [--name N] [--ttl 1h] [--viewer]\n"
      "                                              print a room access token (needs UMBRELLA_ROOM_KEY)\n\n"
      "Umbrella is a WebRTC SFU. Open https://HOST:8081/sfu to join a call.\n"
      "Every option can also be set by its environment variable; options win.\n\n";
  for (const auto& s : settings()) {
    std::string lhs = std::string(s.flag) + (s.value ? std::string(" ") + s.value : "");
    out += "  " + lhs;
    if (lhs.size() < 28) out.append(28 - lhs.size(), ' ');
    out += std::string(" ") + s.help + "\n";
    out += std::string("  ") + std::string(29, ' ') + "env " + s.env + ", default " + s.fallback + "\n";
  }
  out += "  --help                       this text\n"
         "  --version                    print the version\n";
  return out;
}

}  // namespace umbrella::server
