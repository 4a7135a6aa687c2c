// The ICE USERNAME of a connectivity check is "<receiver ufrag>:<sender ufrag>" (RFC 8445 7.2.2).
#pragma once

#include <optional>
#include <string_view>

#include "stun/message.hpp"

namespace umbrella::ice {

// On an incoming request: the part before ':' (OUR ufrag), used by the one-port
// demultiplexer to find the agent for a first check. nullopt without USERNAME or ':'.
std::optional<std::string_view> local_ufrag_of(const stun::Message& msg);
// On an incoming request: the part after ':' (the sender's ufrag).
std::optional<std::string_view> remote_ufrag_of(const stun::Message& msg);

}  // namespace umbrella::ice
