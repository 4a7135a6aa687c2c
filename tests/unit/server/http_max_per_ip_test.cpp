// The per-address connection bound's setting (its enforcement is in the integration suite:
// it needs two source addresses).
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "server/config.hpp"

using namespace umbrella;
using namespace umbrella::server;

namespace {
Result<CommandLine, std::string> parse_env(const char* value, std::vector<const char*> args = {}) {
  args.insert(args.begin(), "umbrella");
  return parse_command_line(int(args.size()), args.data(), [value](const char* name) -> const char* {
    return value && std::string(name) == "UMBRELLA_HTTP_MAX_PER_IP" ? value : nullptr;
  });
}
}  // namespace

TEST_CASE("http max per ip: unset by default, a number from env or flag, one-line refusal otherwise") {
  auto d = parse_env(nullptr);
  REQUIRE(d);
  CHECK_FALSE(d->config.http_max_per_ip.has_value());
  auto e = parse_env("8");
  REQUIRE(e);
  CHECK(e->config.http_max_per_ip == size_t(8));
  auto f = parse_env("8", {"--http-max-per-ip", "0"});
  REQUIRE(f);
  CHECK(f->config.http_max_per_ip == size_t(0));
  for (const char* bad : {"", "-1", "ten", "100001", "9999999"}) {
    auto r = parse_env(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().rfind("UMBRELLA_HTTP_MAX_PER_IP=", 0) == 0);
    CHECK(r.error().find("0-100000") != std::string::npos);
  }
  CHECK(help_text().find("--http-max-per-ip") != std::string::npos);
}
