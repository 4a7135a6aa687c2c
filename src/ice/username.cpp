#include "ice/username.hpp"

namespace umbrella::ice {

std::optional<std::string_view> local_ufrag_of(const stun::Message& msg) {
  if (!msg.username) return std::nullopt;
  auto colon = msg.username->find(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  return msg.username->substr(0, colon);
}

std::optional<std::string_view> remote_ufrag_of(const stun::Message& msg) {
  if (!msg.username) return std::nullopt;
  auto colon = msg.username->find(':');
  if (colon == std::string_view::npos || colon + 1 == msg.username->size()) return std::nullopt;
  return msg.username->substr(colon + 1);
}

}  // namespace umbrella::ice
