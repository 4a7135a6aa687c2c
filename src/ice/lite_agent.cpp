#include "ice/lite_agent.hpp"

#include "ice/check_response.hpp"

namespace umbrella::ice {

IceLiteAgent::IceLiteAgent(Credentials local, Credentials remote, Instant now, LiteAgentConfig config)
    : local_(std::move(local)), remote_(std::move(remote)), config_(std::move(config)), last_valid_(now) {}

HandleResult IceLiteAgent::handle_stun(Bytes packet, const SocketAddress& from, Instant now,
                                                     MutableBytes response_out) {
  if (state_ == State::kFailed) return {};
  auto msg = stun::parse(packet);
  if (!msg) return {};
  return handle_stun(*msg, packet, from, now, response_out);
}

HandleResult IceLiteAgent::handle_stun(const stun::Message& msg, Bytes packet,
                                                     const SocketAddress& from, Instant now,
                                                     MutableBytes out) {
  // A lite agent sends no requests, so responses and indications need nothing.
  if (state_ == State::kFailed || !msg.is_request()) return {};
  // RFC 8445 7.3.1.1: a lite agent is always controlled and cannot switch roles, so it
  // answers a controlled peer with 487; the full agent then takes the controlling role.
  auto verdict = check_request(msg, packet, local_, remote_.ufrag, /*controlling=*/false);
  if (verdict.error)
    return {build_check_response(msg, verdict, from, local_, config_.software, out), Event::kRefused, verdict.error};

  HandleResult result;
  result.response_size = build_check_response(msg, verdict, from, local_, config_.software, out);
  if (msg.use_candidate) {
    if (!selected_) {
      selected_ = from;
      state_ = State::kConnected;
      result.event = Event::kNominated;
    } else if (!(*selected_ == from)) {
      selected_ = from;
      result.event = Event::kAddressChanged;
    }
  }
  // Consent is fresh while the peer keeps checking the pair we send on; before
  // nomination any valid check keeps the transport alive.
  if (!selected_ || *selected_ == from) last_valid_ = now;
  return result;
}

void IceLiteAgent::heard_from_peer(Instant when) {
  if (state_ == State::kConnected && when > last_valid_) last_valid_ = when;
}

Instant IceLiteAgent::next_deadline() const {
  return state_ == State::kFailed ? kNever : last_valid_ + config_.consent_timeout;
}

Event IceLiteAgent::handle_timeout(Instant now) {
  if (state_ == State::kFailed || now < next_deadline()) return Event::kNone;
  state_ = State::kFailed;
  selected_.reset();
  return Event::kConsentExpired;
}

}  // namespace umbrella::ice
