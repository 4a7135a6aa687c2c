// umbrella: parse settings, start the server, run the event loop until SIGINT/SIGTERM.
#include <signal.h>

#include <cstdio>
#include <cstdlib>

#include "core/event_loop.hpp"
#include "core/log.hpp"
#include "server/admin_secret.hpp"
#include "server/config.hpp"
#include "server/server.hpp"

using namespace umbrella;

int main(int argc, char** argv) {
  auto cl = server::parse_command_line(argc, argv, [](const char* name) { return std::getenv(name); });
  if (!cl) {
    std::fprintf(stderr, "umbrella: %s\n", cl.error().c_str());
    return 2;
  }
  if (cl->show_help) {
    std::fputs(server::help_text().c_str(), stdout);
    return 0;
  }
  if (cl->show_version) {
    std::printf("umbrella %s\n", UMBRELLA_VERSION);
    return 0;
  }
  if (!cl->command_options.empty() && cl->positional[0] != "token") {
    std::fprintf(stderr, "umbrella: unknown option %s (see umbrella --help)\n", cl->command_options[0].first.c_str());
    return 2;
  }
  if (!cl->positional.empty()) {
    if (cl->positional[0] == "make-certs") return server::make_certs_command(cl->positional);
    if (cl->positional[0] == "token") return server::token_command(*cl);
    std::fprintf(stderr, "umbrella: unknown command '%s' (see umbrella --help)\n", cl->positional[0].c_str());
    return 2;
  }
  set_log_level(cl->config.log_level);
  ::signal(SIGPIPE, SIG_IGN);
  SystemTimeSource time;
  EventLoop loop(time);
  loop.on_signal(SIGINT, [&] { loop.stop(); });
  loop.on_signal(SIGTERM, [&] { loop.stop(); });
  auto server = server::Server::create(loop, cl->config);
  if (!server) {
    std::fprintf(stderr, "umbrella: %s\n", server.error().c_str());
    return 1;
  }
  loop.run();
  server->reset();
  LOG_INFO("main", "stopped");
  return 0;
}
