// Full ICE agent (RFC 8445) checking every remote candidate from one local socket, then keeping
// consent fresh on the selected pair (RFC 7675). It answers the peer's checks too.
//  - Controlling (SFU-to-SFU trunks, load generator): nominates at once (aggressive nomination:
//    a lite peer selects on the first USE-CANDIDATE) and takes the first pair that answers.
//  - Controlled (two sites bridged directly, both behind NATs): its own checks open its NAT
//    toward the peer's candidates, so that the controlling peer's checks get through (UDP
//    hole punching); it selects the pair the peer nominates, as a lite agent does.
// Roles are fixed by whoever introduces the two (a peer in our role gets 487). Sans-IO:
//
//   while (auto t = agent.poll_transmit(now, buf)) socket.send_to(t->destination, buf.first(t->size));
//   on a STUN datagram: event = agent.handle_stun(packet, from, now);
//
//   at agent.next_deadline(): event = agent.handle_timeout(now); then drain poll_transmit again.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/socket_address.hpp"
#include "core/time.hpp"
#include "ice/agent.hpp"
#include "ice/credentials.hpp"
#include "ice/event.hpp"
#include "stun/constants.hpp"

namespace umbrella::ice {

struct FullAgentConfig {
  bool controlling = true;
  uint32_t priority = 0x6EFFFFFF;  // peer-reflexive type preference, component 1 (RFC 8445 5.1.2)
  uint64_t tie_breaker = 0;        // 0: random
  Duration initial_rto = milliseconds(250);
  int max_transmits = 7;         // Rc (RFC 8489 6.2.1)
  int final_wait_factor = 16;    // Rm: wait Rm * initial RTO after the last transmit
  Duration pacing = milliseconds(50);  // Ta between first checks to different candidates
  Duration consent_interval = seconds(5);  // randomized to 0.8..1.2 times this
  Duration consent_timeout = seconds(30);
  std::string software;  // SOFTWARE attribute; empty: none
};

class IceFullAgent final : public Agent {
 public:
  // local/remote: credentials from the two descriptions; requests are signed with remote.pwd.
  IceFullAgent(Credentials local, Credentials remote, std::vector<SocketAddress> remote_candidates,
                      Instant now, FullAgentConfig config = {});

  // The next binding request due at now, written into out (needs ~120 bytes + SOFTWARE).
  std::optional<Transmit> poll_transmit(Instant now, MutableBytes out) override;
  // A STUN response from the network (requests are ignored). Controlling: returns kConnected on
  // the first successful check. Either role: kFailed when the last outstanding check gets an
  // error response before a pair is selected.
  Event handle_stun(Bytes packet, const SocketAddress& from, Instant now);
  // Same, for a message the caller already parsed; a request from the peer is answered into
  // response_out (~100 bytes + SOFTWARE; event kRefused when with an error). Controlled: a
  // valid nominating check selects its address (kNominated, then kAddressChanged on a move).
  HandleResult handle_stun(const stun::Message& msg, Bytes packet, const SocketAddress& from, Instant now,
                           MutableBytes response_out) override;

  Instant next_deadline() const override;
  // Returns kFailed when every check timed out, kConsentExpired when consent lapsed.
  Event handle_timeout(Instant now) override;

  State state() const override { return state_; }
  std::optional<SocketAddress> selected_address() const override { return selected_; }
  uint64_t tie_breaker() const { return config_.tie_breaker; }

 private:
  struct Transaction {
    stun::TransactionId id{};
    SocketAddress destination;
    Instant next{};   // next transmit; once all are out, the give-up time
    Duration rto{};
    int sends = 0;
    bool active = false;
  };

  void start(Transaction& t, const SocketAddress& destination, Instant at);
  bool due(const Transaction& t, Instant now) const;
  size_t build_request(const Transaction& t, MutableBytes out) const;
  Transaction* find(const stun::TransactionId& id);
  bool checks_exhausted() const;
  Event on_response(const stun::Message& msg, Bytes packet, const SocketAddress& from, Instant now);
  Event select(const SocketAddress& address, Instant now);
  Event fail(Event e);
  Instant give_up_at() const;  // once every check is over with no pair selected
  Duration jittered_consent_interval();

  Credentials local_;
  Credentials remote_;
  FullAgentConfig config_;
  std::string username_;  // "<remote ufrag>:<local ufrag>"
  State state_ = State::kNew;
  Instant created_;
  std::vector<Transaction> checks_;  // one per remote candidate
  Transaction consent_;
  Instant next_consent_ = kNever;
  Instant last_consent_{};
  std::optional<SocketAddress> selected_;
  bool answered_ = false;  // controlled: a check of ours succeeded (our NAT lets the peer in)
  uint64_t rng_;
};

}  // namespace umbrella::ice
