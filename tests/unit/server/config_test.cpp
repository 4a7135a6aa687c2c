#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <string>

#include "core/worker_pool.hpp"
#include "server/config.hpp"

using namespace umbrella;
using namespace umbrella::server;

namespace {
Result<CommandLine, std::string> parse(std::map<std::string, std::string> env, std::vector<const char*> args = {}) {
  args.insert(args.begin(), "umbrella");
  return parse_command_line(int(args.size()), args.data(), [env](const char* n) -> const char* {
    static std::string holder;
    auto it = env.find(n);
    if (it == env.end()) return nullptr;
    holder = it->second;
    return holder.c_str();
  });
}
}  // namespace

TEST_CASE("defaults match the original's") {
  auto c = parse({});
  REQUIRE(c.ok());
  CHECK(c->config.http_port == 8081);
  CHECK(c->config.http_prefix.empty());
  CHECK_FALSE(c->config.cloud);
  CHECK(c->config.cert_file == "service.crt");
}

TEST_CASE("environment variables are applied") {
  auto c = parse({{"UMBRELLA_CLOUD", "1"}, {"UMBRELLA_HTTP_PREFIX", "/umbrella/"}, {"UMBRELLA_HTTP_SERVE_ADDR", ":9000"},
                  {"UMBRELLA_PUBLIC_IP", "203.0.113.7"}, {"UMBRELLA_MIN_PORT", "40000"}, {"UMBRELLA_MAX_PORT", "40010"}});
  REQUIRE(c.ok());
  CHECK(c->config.cloud);
  CHECK(c->config.http_prefix == "/umbrella");
  CHECK(c->config.http_port == 9000);
  REQUIRE(c->config.public_ips.size() == 1);
  CHECK(c->config.public_ips[0].ip_string() == "203.0.113.7");
  CHECK(c->config.min_port == 40000);
  CHECK(c->config.max_port == 40010);
}

TEST_CASE("flags override the environment") {
  auto c = parse({{"UMBRELLA_HTTP_SERVE_ADDR", ":9000"}}, {"--http-addr", "127.0.0.1:9001", "--cloud"});
  REQUIRE(c.ok());
  CHECK(c->config.http_port == 9001);
  CHECK(c->config.http_host == "127.0.0.1");
  CHECK(c->config.cloud);
}

TEST_CASE("bad values are refused with one line naming the variable and what is accepted") {
  auto c = parse({{"UMBRELLA_MIN_PORT", "abc"}});
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().find("UMBRELLA_MIN_PORT") != std::string::npos);
  CHECK(c.error().find("1-65535") != std::string::npos);
  CHECK(c.error().find('\n') == std::string::npos);

  auto p = parse({{"UMBRELLA_PUBLIC_IP", "not-an-ip"}});
  REQUIRE_FALSE(p.ok());
  CHECK(p.error().find("UMBRELLA_PUBLIC_IP") != std::string::npos);

  auto r = parse({{"UMBRELLA_MIN_PORT", "5000"}, {"UMBRELLA_MAX_PORT", "4000"}});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().find("MIN <= MAX") != std::string::npos);

  auto u = parse({}, {"--no-such-flag"});
  REQUIRE_FALSE(u.ok());
  CHECK(u.error().find("--no-such-flag") != std::string::npos);
}

TEST_CASE("help lists every variable with its default") {
  auto h = help_text();
  for (const char* v : {"UMBRELLA_CLOUD", "UMBRELLA_HTTP_PREFIX", "UMBRELLA_HTTP_SERVE_ADDR", "UMBRELLA_PUBLIC_IP",
                        "UMBRELLA_PUBLIC_HOST", "UMBRELLA_MIN_PORT", "UMBRELLA_MAX_PORT", "UMBRELLA_LOG_LEVEL"})
    CHECK(h.find(v) != std::string::npos);
  CHECK(h.find("default :8081") != std::string::npos);
}

TEST_CASE("public IPs: IPv4 and IPv6, comma-separated, in order; a bad one named in one line") {
  auto c = parse({{"UMBRELLA_PUBLIC_IP", "203.0.113.7, 2001:db8::7,203.0.113.7"}});
  REQUIRE(c.ok());
  REQUIRE(c->config.public_ips.size() == 2);  // the repeat dropped
  CHECK(c->config.public_ips[0].to_string() == "203.0.113.7:0");
  CHECK(c->config.public_ips[1].to_string() == "[2001:db8::7]:0");
  for (const char* bad : {"203.0.113.7,[2001:db8::7]", "2001:db8::7:5000x", "fe80::1", "203.0.113.7:9", "a,b"}) {
    auto e = parse({{"UMBRELLA_PUBLIC_IP", bad}});
    REQUIRE_FALSE(e.ok());
    CHECK(e.error().find("UMBRELLA_PUBLIC_IP") == 0);
    CHECK(e.error().find("not a usable IP address") != std::string::npos);
    CHECK(e.error().find('\n') == std::string::npos);
  }
  auto empty = parse({{"UMBRELLA_PUBLIC_IP", ""}});
  REQUIRE(empty.ok());
  CHECK(empty->config.public_ips.empty());
}

TEST_CASE("HTTP address: IPv6 in brackets, :PORT for every address") {
  auto v6 = parse({{"UMBRELLA_HTTP_SERVE_ADDR", "[::]:8082"}});
  REQUIRE(v6.ok());
  CHECK(v6->config.http_host == "::");
  CHECK(v6->config.http_port == 8082);
  auto one = parse({{"UMBRELLA_HTTP_SERVE_ADDR", "[2001:db8::1]:443"}});
  REQUIRE(one.ok());
  CHECK(one->config.http_host == "2001:db8::1");
  auto any = parse({{"UMBRELLA_HTTP_SERVE_ADDR", ":8081"}});
  REQUIRE(any.ok());
  CHECK(any->config.http_host.empty());
  auto bare = parse({{"UMBRELLA_HTTP_SERVE_ADDR", "::1:8081"}});
  REQUIRE_FALSE(bare.ok());
  CHECK(bare.error().find("brackets") != std::string::npos);
  CHECK_FALSE(parse({{"UMBRELLA_HTTP_SERVE_ADDR", "[fd00::zz]:8081"}}).ok());
}

TEST_CASE("trunk urls: comma-separated list, scheme checked") {
  auto c = parse({{"UMBRELLA_TRUNK_URL", "wss://a.example/wsb, wss://b.example/umbrella/wsb"}});
  REQUIRE(c.ok());
  CHECK(c->config.trunk_urls.size() == 2);
  CHECK_FALSE(parse({{"UMBRELLA_TRUNK_URL", "http://x/wsb"}}).ok());
  auto v6 = parse({{"UMBRELLA_TRUNK_URL", "wss://[2001:db8::1]:8081/wsb"}});
  REQUIRE(v6.ok());
  auto bad = parse({{"UMBRELLA_TRUNK_URL", "wss://a.example/wsb,wss://[2001:db8::1::2]:8081/wsb"}});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().find("UMBRELLA_TRUNK_URL") == 0);
  CHECK(bad.error().find("not an IPv6 address") != std::string::npos);
  CHECK(bad.error().find('\n') == std::string::npos);
}

TEST_CASE("media threads: one per CPU by default (at most 8), 1-64 when set") {
  auto d = parse({});
  REQUIRE(d.ok());
  CHECK(d->config.media_threads == std::min<size_t>(WorkerPool::available_cpus(), 8));
  auto c = parse({{"UMBRELLA_MEDIA_THREADS", "3"}});
  REQUIRE(c.ok());
  CHECK(c->config.media_threads == 3);
  auto f = parse({}, {"--media-threads=1"});
  REQUIRE(f.ok());
  CHECK(f->config.media_threads == 1);
  for (const char* bad : {"0", "65", "two", ""}) {
    auto e = parse({{"UMBRELLA_MEDIA_THREADS", bad}});
    REQUIRE_FALSE(e.ok());
    CHECK(e.error().find("UMBRELLA_MEDIA_THREADS") == 0);
    CHECK(e.error().find("1-64") != std::string::npos);
  }
}

TEST_CASE("access settings: admin secret and room key need 16+ characters; token takes its own options") {
  auto c = parse({{"UMBRELLA_ADMIN_SECRET", "0123456789abcdef"}, {"UMBRELLA_ROOM_KEY", "room-key-0123456789"}});
  REQUIRE(c.ok());
  CHECK(c->config.admin_secret == "0123456789abcdef");
  CHECK(c->config.room_key == "room-key-0123456789");
  auto short_secret = parse({{"UMBRELLA_ADMIN_SECRET", "short"}});
  REQUIRE_FALSE(short_secret.ok());
  CHECK(short_secret.error().find("UMBRELLA_ADMIN_SECRET") == 0);
  CHECK(short_secret.error().find("at least 16") != std::string::npos);
  CHECK_FALSE(parse({}, {"--room-key", "short"}).ok());
  auto token = parse({}, {"token", "--room", "lobby", "--identity", "ann", "--viewer", "--room-key", "room-key-0123456789"});
  REQUIRE(token.ok());
  CHECK(token->positional == std::vector<std::string>{"token"});
  CHECK(token->command_options ==
        std::vector<std::pair<std::string, std::string>>{{"--room", "lobby"}, {"--identity", "ann"}, {"--viewer", ""}});
  CHECK(token->config.room_key == "room-key-0123456789");
  CHECK_FALSE(parse({}, {"--room", "lobby"}).ok());  // not a setting, and no subcommand
}
