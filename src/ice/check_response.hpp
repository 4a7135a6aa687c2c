// Answering a peer's connectivity check (RFC 8445 7.3 with short-term credentials, RFC 8489
// 9.1.3), shared by both agents: which error a binding request earns, and the response.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/bytes.hpp"
#include "core/socket_address.hpp"
#include "ice/credentials.hpp"
#include "stun/message.hpp"

namespace umbrella::ice {

struct CheckVerdict {
  uint16_t error = 0;          // STUN error code; 0: a valid check, answered with success
  bool authenticated = false;  // MESSAGE-INTEGRITY verified with the local password
};

// What a request earns. A check without USERNAME or MESSAGE-INTEGRITY earns 400, wrong ones 401 (neither touches
// any state, so a forged check cannot move a selection). remote_ufrag may be empty (not
// known yet: the sender part is not checked). Our agents never switch roles: a peer in our
// role gets 487 and switches (RFC 8445 7.3.1.1), as if our tie-breaker were the larger.
CheckVerdict check_request(const stun::Message& msg, Bytes packet, const Credentials& local,
                           std::string_view remote_ufrag, bool controlling);

// Success (XOR-MAPPED-ADDRESS of `from`) or the error response, signed with the local
// password when the request authenticated. Needs ~100 bytes + SOFTWARE.
size_t build_check_response(const stun::Message& msg, CheckVerdict verdict, const SocketAddress& from,
                            const Credentials& local, std::string_view software, MutableBytes out);

}  // namespace umbrella::ice
