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

TEST_CASE("admission limits: unset by default (the server picks defaults), numbers by env or flag, one-line refusals") {
  auto parse = [](std::map<std::string, std::string> env, std::vector<const char*> args = {}) {
    args.insert(args.begin(), "umbrella");
    return parse_command_line(int(args.size()), args.data(), [env](const char* name) -> const char* {
      auto it = env.find(name);
      return it == env.end() ? nullptr : it->second.c_str();
    });
  };
  auto d = parse({});
  REQUIRE(d);
  CHECK_FALSE(d->config.max_participants.has_value());
  CHECK_FALSE(d->config.joins_per_minute.has_value());
  auto e = parse({{"UMBRELLA_MAX_ROOM_PARTICIPANTS", "12"}, {"UMBRELLA_JOINS_PER_MINUTE", "0"}},
                 {"--messages-per-second", "7", "--sessions-per-minute=5", "--max-participants", "100"});
  REQUIRE(e);
  CHECK(e->config.max_room_participants == size_t(12));
  CHECK(e->config.joins_per_minute == size_t(0));
  CHECK(e->config.messages_per_second == size_t(7));
  CHECK(e->config.sessions_per_minute == size_t(5));
  CHECK(e->config.max_participants == size_t(100));
  auto bad = parse({{"UMBRELLA_JOINS_PER_MINUTE", "lots"}});
  REQUIRE_FALSE(bad);
  CHECK(bad.error() == "UMBRELLA_JOINS_PER_MINUTE='lots': expected a number of joins 0-1000000 (0 = no limit)");
  for (const char* flag : {"--max-participants", "--max-room-participants", "--joins-per-minute",
                           "--sessions-per-minute", "--messages-per-second"})
    CHECK(help_text().find(flag) != std::string::npos);
}
