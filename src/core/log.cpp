#include "core/log.hpp"

#include <cstdio>
#include <ctime>
#include <string>

namespace umbrella {
namespace {
LogLevel g_level = LogLevel::kInfo;
const char* level_name(LogLevel l) {
  switch (l) {
    case LogLevel::kTrace: return "TRACE";
    case LogLevel::kDebug: return "DEBUG";
    case LogLevel::kInfo: return "INFO";
    case LogLevel::kWarn: return "WARN";
    case LogLevel::kError: return "ERROR";
    default: return "";
  }
}
}  // namespace

std::optional<LogLevel> parse_log_level(std::string_view t) {
  if (t == "trace") return LogLevel::kTrace;
  if (t == "debug") return LogLevel::kDebug;
  if (t == "info") return LogLevel::kInfo;
  if (t == "warn" || t == "warning") return LogLevel::kWarn;
  if (t == "error") return LogLevel::kError;
  if (t == "off") return LogLevel::kOff;
  return std::nullopt;
}

void set_log_level(LogLevel level) { g_level = level; }
LogLevel log_level() { return g_level; }

void log_line(LogLevel level, std::string_view component, std::string_view message) {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  tm t;
  gmtime_r(&ts.tv_sec, &t);
  char stamp[32];
  strftime(stamp, sizeof(stamp), "%H:%M:%S", &t);
  std::fprintf(stderr, "%s.%03ld %-5s %.*s: %.*s\n", stamp, ts.tv_nsec / 1000000, level_name(level),
               int(component.size()), component.data(), int(message.size()), message.data());
}

}  // namespace umbrella
