// Splitting configuration text (hosts, resolv.conf) into lines and whitespace fields.
#pragma once

#include <string_view>

namespace umbrella::net {

// Calls fn(line) for each line of text, with the comment (from any char of comment_chars)
// removed.
template <typename Fn>
void for_each_line(std::string_view text, std::string_view comment_chars, Fn&& fn) {
  while (!text.empty()) {
    size_t nl = text.find('\n');
    auto line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    line = line.substr(0, line.find_first_of(comment_chars));
    fn(line);
  }
}

// Returns the next whitespace-separated field of line and consumes it ("" at the end).
inline std::string_view next_field(std::string_view& line) {
  constexpr std::string_view kSpace = " \t\r\f\v";
  size_t start = line.find_first_not_of(kSpace);
  if (start == std::string_view::npos) {
    line = {};
    return {};
  }
  size_t end = line.find_first_of(kSpace, start);
  auto field = line.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
  line = end == std::string_view::npos ? std::string_view{} : line.substr(end);
  return field;
}

}  // namespace umbrella::net
