// What a WebRTC transport needs from its ICE agent, whichever role the agent plays: the
// lite agent (always controlled; answers checks, sends none) or the controlling agent
// (sends checks, reads their responses). The transport drives either through this
// interface, sans-IO like the agents themselves:
//
//   auto r = agent.handle_stun(msg, packet, from, now, buffer);   // a STUN datagram
//   if (r.response_size) send(from, buffer.first(r.response_size));
//   while (auto t = agent.poll_transmit(now, buffer)) send(t->destination, buffer.first(t->size));
//   at agent.next_deadline(): event = agent.handle_timeout(now); then poll_transmit again.
#pragma once

#include <optional>

#include "core/bytes.hpp"
#include "core/socket_address.hpp"
#include "core/time.hpp"
#include "ice/event.hpp"
#include "stun/message.hpp"

namespace umbrella::ice {

// A request the agent wants sent.
struct Transmit {
  SocketAddress destination;
  size_t size = 0;  // bytes written to the buffer given to poll_transmit
};

// What one STUN datagram did.
struct HandleResult {
  size_t response_size = 0;  // bytes written to response_out; 0: send nothing
  Event event = Event::kNone;
  uint16_t error_code = 0;  // STUN error code of the response when event == kRefused
};

class Agent {
 public:
  virtual ~Agent() = default;

  // A STUN message the caller already parsed from packet (sent from `from`). A response to
  // it, if any, is written into response_out (~100 bytes + SOFTWARE) and goes back to from.
  virtual HandleResult handle_stun(const stun::Message& msg, Bytes packet, const SocketAddress& from, Instant now,
                                   MutableBytes response_out) = 0;
  // The next request due at now, written into out (~120 bytes + SOFTWARE); nullopt: none.
  virtual std::optional<Transmit> poll_transmit(Instant now, MutableBytes out) = 0;

  virtual Instant next_deadline() const = 0;
  // kFailed (no candidate answered) or kConsentExpired once, else kNone.
  virtual Event handle_timeout(Instant now) = 0;

  // Authenticated media (SRTP/SRTCP) arrived from the peer, last at `when`. A lite agent counts
  // it as the peer's liveness like a check: libnice (GStreamer's webrtcbin) sends no more
  // checks once nominated while media flows (RFC 8445 11 keepalives are for idle pairs). The
  // controlling agent keeps to its own consent checks (RFC 7675).
  virtual void heard_from_peer(Instant when) { (void)when; }

  virtual State state() const = 0;
  // Where DTLS and media go and come from; set once a pair is nominated.
  virtual std::optional<SocketAddress> selected_address() const = 0;
};

}  // namespace umbrella::ice
