// Leveled logging, one line per event to stderr. Per-packet events use counters, not logs.
#pragma once

#include <charconv>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace umbrella {

enum class LogLevel { kTrace = 0, kDebug, kInfo, kWarn, kError, kOff };

std::optional<LogLevel> parse_log_level(std::string_view text);
void set_log_level(LogLevel level);
LogLevel log_level();
void log_line(LogLevel level, std::string_view component, std::string_view message);

namespace detail {
// Appends one argument as text. Not std::ostringstream: iostreams pull libstdc++'s locale
// machinery (~300 KB) into the static OpenWrt binary.
template <typename T>
void log_append(std::string& out, const T& v) {
  if constexpr (std::is_same_v<T, bool>) {
    out += v ? '1' : '0';  // as an ostream prints it
  } else if constexpr (std::is_same_v<T, char>) {
    out += v;
  } else if constexpr (std::is_enum_v<T>) {
    log_append(out, std::underlying_type_t<T>(v));
  } else if constexpr (std::is_integral_v<T>) {
    char buf[24];
    out.append(buf, std::to_chars(buf, buf + sizeof(buf), v).ptr);
  } else if constexpr (std::is_floating_point_v<T>) {
    char buf[32];
    int n = std::snprintf(buf, sizeof(buf), "%g", double(v));  // an ostream's default format
    out.append(buf, size_t(n > 0 ? n : 0));
  } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    out += std::string_view(v);
  } else {
    static_assert(std::is_pointer_v<T>, "LOG_*: pass strings, numbers, chars, bools or pointers");
    char buf[24];
    int n = std::snprintf(buf, sizeof(buf), "%p", static_cast<const void*>(v));
    out.append(buf, size_t(n > 0 ? n : 0));
  }
}

template <typename... Args>
void log_format(LogLevel level, std::string_view component, const Args&... args) {
  std::string out;
  (log_append(out, args), ...);
  log_line(level, component, out);
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
