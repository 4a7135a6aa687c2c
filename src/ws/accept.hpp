// Glue between http::HttpConnection and a server-role Session: call accept_upgrade() from
// http::Handler::upgrade() for a WebSocket route.
#pragma once

#include <string_view>

#include "core/time.hpp"
#include "http/request.hpp"
#include "http/upgraded_stream.hpp"
#include "ws/session.hpp"

namespace umbrella::ws {

// Validates the handshake; on success returns the 101 and a server Session bound to
// `listener` (listener.on_open() is called with it before returning), else the refusal
// (400/426) and no stream.
http::UpgradeResult accept_upgrade(const http::Request& request, Listener& listener, const SessionConfig& config,
                                   Instant now, std::string_view protocol = {});

// The Session behind an upgraded connection (HttpConnection::upgraded()), or null.
Session* as_session(http::UpgradedStream* stream);

}  // namespace umbrella::ws
