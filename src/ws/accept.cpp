#include "ws/accept.hpp"

#include <memory>

#include "ws/handshake.hpp"

namespace umbrella::ws {

http::UpgradeResult accept_upgrade(const http::Request& request, Listener& listener, const SessionConfig& config,
                                   Instant now, std::string_view protocol) {
  http::UpgradeResult result;
  result.response = server_handshake(request, protocol);
  if (result.response.status != 101) return result;
  auto session = std::make_unique<Session>(Role::kServer, &listener, config, now);
  listener.on_open(*session);
  result.stream = std::move(session);
  return result;
}

Session* as_session(http::UpgradedStream* stream) { return dynamic_cast<Session*>(stream); }

}  // namespace umbrella::ws
