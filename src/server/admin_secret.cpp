#include "server/admin_secret.hpp"

#include <sys/stat.h>

#include <cstdio>
#include <ctime>

#include "auth/jwt.hpp"
#include "core/log.hpp"
#include "tls/file_io.hpp"
#include "tls/random.hpp"

namespace umbrella::server {
namespace {

// "90", "90s", "15m", "1h", "7d" -> seconds; 0 for anything else.
int64_t parse_duration(const std::string& v) {
  if (v.empty() || v.size() > 9) return 0;
  int64_t n = 0;
  size_t i = 0;
  for (; i < v.size() && v[i] >= '0' && v[i] <= '9'; ++i) n = n * 10 + (v[i] - '0');
  if (i == 0 || i + 1 < v.size()) return 0;
  char unit = i < v.size() ? v[i] : 's';
  int64_t scale = unit == 's' ? 1 : unit == 'm' ? 60 : unit == 'h' ? 3600 : unit == 'd' ? 86400 : 0;
  return n * scale;
}

}  // namespace

std::string admin_secret_path(const Config& config) {
  auto slash = config.cert_file.rfind('/');
  return (slash == std::string::npos ? std::string() : config.cert_file.substr(0, slash + 1)) + "admin.secret";
}

Result<std::string, std::string> load_or_create_admin_secret(const Config& config) {
  if (!config.admin_secret.empty()) return config.admin_secret;
  std::string path = admin_secret_path(config);
  struct stat st;
  if (stat(path.c_str(), &st) == 0) {
    if (st.st_mode & (S_IRWXG | S_IRWXO))
      return Err{path + " is readable by others: chmod 600 " + path + " (or remove it to make a new secret)"};
    auto text = tls::read_file(path);
    if (!text) return Err{text.error()};
    std::string secret = *text;
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r' || secret.back() == ' ')) secret.pop_back();
    if (secret.size() < 16 || secret.size() > 127)
      return Err{path + " does not hold an administrator secret of 16-127 characters (remove it to make a new one)"};
    LOG_INFO("main", "administrator secret from ", path);
    return secret;
  }
  std::string secret = tls::Random::instance().hex(16);  // 128 bits
  if (auto w = tls::write_file(path, secret + "\n", 0600); !w)
    return Err{"cannot save the administrator secret: " + w.error() + " (set UMBRELLA_ADMIN_SECRET, or run from a writable directory)"};
  LOG_INFO("main", "administrator secret (for /trunk and /status, kept in ", path, "): ", secret);
  return secret;
}

int token_command(const CommandLine& cl) {
  auth::RoomClaims claims;
  int64_t ttl = 3600;
  for (auto& [name, value] : cl.command_options) {
    if (name == "--room") claims.room = value;
    else if (name == "--identity") claims.identity = value;
    else if (name == "--name") claims.name = value;
    else if (name == "--viewer") claims.can_publish = false;
    else if (name == "--ttl") {
      ttl = parse_duration(value);
      if (ttl <= 0) {
        std::fprintf(stderr, "umbrella token: --ttl '%s': expected a duration such as 90s, 15m, 1h or 7d\n", value.c_str());
        return 2;
      }
    } else {
      std::fprintf(stderr, "umbrella token: unknown option %s (expected --room, --identity, --name, --ttl, --viewer)\n",
                   name.c_str());
      return 2;
    }
  }
  if (cl.config.room_key.empty()) {
    std::fprintf(stderr, "umbrella token: no room key: set UMBRELLA_ROOM_KEY (or --room-key) to the server's\n");
    return 2;
  }
  if (claims.room.empty() || claims.identity.empty()) {
    std::fprintf(stderr, "umbrella token: needs --room ROOM and --identity WHO\n");
    return 2;
  }
  if (claims.room.size() > auth::kMaxClaimBytes || claims.identity.size() > auth::kMaxClaimBytes ||
      claims.name.size() > auth::kMaxClaimBytes) {
    std::fprintf(stderr, "umbrella token: --room, --identity and --name take at most %zu bytes each\n",
                 auth::kMaxClaimBytes);
    return 2;
  }
  claims.expires = int64_t(std::time(nullptr)) + ttl;
  const auto& key = cl.config.room_key;
  std::printf("%s\n", auth::sign_token(claims, Bytes(reinterpret_cast<const uint8_t*>(key.data()), key.size())).c_str());
  return 0;
}

}  // namespace umbrella::server
