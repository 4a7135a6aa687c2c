// ICE-lite agent (RFC 8445 lite role, always controlled) for one client transport,
// with consent freshness (RFC 7675) on the receiving side: checks from the selected address,
// or authenticated media the transport reports (heard_from_peer). Sans-IO: the owner feeds
// it STUN datagrams and timeouts and sends whatever response it writes.
//
//   auto r = agent.handle_stun(packet, from, now, buffer);
//   if (r.response_size) socket.send_to(from, buffer.first(r.response_size));
//   switch (r.event) { case Event::kNominated: case Event::kAddressChanged: ... }
//   ... at agent.next_deadline(): if (agent.handle_timeout(now) == Event::kConsentExpired) release
#pragma once

#include <optional>
#include <string>

#include "core/bytes.hpp"
#include "core/socket_address.hpp"
#include "core/time.hpp"
#include "ice/agent.hpp"
#include "ice/credentials.hpp"
#include "ice/event.hpp"
#include "stun/message.hpp"

namespace umbrella::ice {

struct LiteAgentConfig {
  // No valid check for this long ends the transport (RFC 7675's 30 s).
  Duration consent_timeout = seconds(30);
  std::string software;  // SOFTWARE attribute in responses; empty: none
};

class IceLiteAgent final : public Agent {
 public:
  // remote.ufrag may be empty when the remote description is not known yet; then the
  // sender part of USERNAME is not checked. remote.pwd is not needed by a lite agent.
  // now starts the consent timer: a transport never checked expires too.
  IceLiteAgent(Credentials local, Credentials remote, Instant now, LiteAgentConfig config = {});

  void set_remote_credentials(Credentials remote) { remote_ = std::move(remote); }

  // Any datagram that looks like STUN. Non-requests and unparseable input are dropped
  // silently (response_size 0, Event::kNone). response_out needs ~100 bytes (+ SOFTWARE).
  HandleResult handle_stun(Bytes packet, const SocketAddress& from, Instant now, MutableBytes response_out);
  // Same, for a message the demultiplexer already parsed from packet.
  HandleResult handle_stun(const stun::Message& msg, Bytes packet, const SocketAddress& from, Instant now,
                           MutableBytes response_out) override;
  // A lite agent sends no requests.
  std::optional<Transmit> poll_transmit(Instant, MutableBytes) override { return std::nullopt; }

  // Keeps a connected transport alive like a check from the selected address.
  void heard_from_peer(Instant when) override;
  Instant next_deadline() const override;
  // Returns kConsentExpired once (then state() is kFailed), else kNone.
  Event handle_timeout(Instant now) override;

  State state() const override { return state_; }
  std::optional<SocketAddress> selected_address() const override { return selected_; }
  const Credentials& local_credentials() const { return local_; }
  const Credentials& remote_credentials() const { return remote_; }

 private:
  Credentials local_;
  Credentials remote_;
  LiteAgentConfig config_;
  State state_ = State::kNew;
  std::optional<SocketAddress> selected_;
  Instant last_valid_;
};

}  // namespace umbrella::ice
