#include "server/admin_secret.hpp"

#include <sys/stat.h>

#include <cstdio>
#include <ctime>

#include "auth/jwt.hpp"
#include "core/log.hpp"
#include "server/access.hpp"
#include "tls/file_io.hpp"
#include "tls/random.hpp"

namespace umbrella::server {

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
      ttl = parse_lifetime(value);
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
  auto token = Access("", cl.config.room_key).issue(claims, ttl);
  if (!token) {
    std::fprintf(stderr, "umbrella token: %s\n", token.error().c_str());
    return 2;
  }
  std::printf("%s\n", token->c_str());
  return 0;
}

}  // namespace umbrella::server
