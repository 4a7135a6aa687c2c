// Leveled logging, one line per event to stderr. Per-packet events use counters, not logs.
#pragma once

#include <optional>
#include <sstream>
#include <string_view>

namespace umbrella {

enum class LogLevel { kTrace = 0, kDebug, kInfo, kWarn, kError, kOff };

std::optional<LogLevel> parse_log_level(std::string_view text);
void set_log_level(LogLevel level);
LogLevel log_level();
void log_line(LogLevel level, std::string_view component, std::string_view message);

namespace detail {
template <typename... Args>
void log_format(LogLevel level, std::string_view component, const Args&... args) {
  std::ostringstream out;
  (out << ... << args);
  log_line(level, component, out.str());
}
}  // namespace detail

}  // namespace umbrella

// LOG_INFO("ice", "client ", addr, " nominated"): arguments are only formatted when enabled.
#define UMBRELLA_LOG(level, component, ...)                                  \
  do {                                                                       \
    if (::umbrella::log_level() <= (level))                                  \
      ::umbrella::detail::log_format((level), (component), __VA_ARGS__);     \
  } while (0)
#define LOG_TRACE(c, ...) UMBRELLA_LOG(::umbrella::LogLevel::kTrace, c, __VA_ARGS__)
#define LOG_DEBUG(c, ...) UMBRELLA_LOG(::umbrella::LogLevel::kDebug, c, __VA_ARGS__)
#define LOG_INFO(c, ...) UMBRELLA_LOG(::umbrella::LogLevel::kInfo, c, __VA_ARGS__)
#define LOG_WARN(c, ...) UMBRELLA_LOG(::umbrella::LogLevel::kWarn, c, __VA_ARGS__)
#define LOG_ERROR(c, ...) UMBRELLA_LOG(::umbrella::LogLevel::kError, c, __VA_ARGS__)
