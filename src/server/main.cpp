// umbrella: parse settings, start the server, run the event loop until SIGINT/SIGTERM.
#include <signal.h>

#include <cstdio>
#include <cstdlib>

#include "core/config.hpp"
#include "core/event_loop.hpp"
#include "core/log.hpp"

using namespace umbrella;

int main(int argc, char** argv) {
  auto cl = parse_command_line(argc, argv, [](const char* name) { return std::getenv(name); });
  if (!cl) {
    std::fprintf(stderr, "umbrella: %s\n", cl.error().c_str());
    return 2;
  }
  if (cl->show_help) {
    std::fputs(help_text().c_str(), stdout);
    return 0;
  }
  if (cl->show_version) {
    std::printf("umbrella %s\n", UMBRELLA_VERSION);
    return 0;
  }
  set_log_level(cl->config.log_level);
  signal(SIGPIPE, SIG_IGN);
  SystemTimeSource time;
  EventLoop loop(time);
  loop.on_signal(SIGINT, [&] { loop.stop(); });
  loop.on_signal(SIGTERM, [&] { loop.stop(); });
  LOG_INFO("main", "umbrella ", UMBRELLA_VERSION, " started");
  loop.run();
  LOG_INFO("main", "stopped");
  return 0;
}
