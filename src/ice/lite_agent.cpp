#include "ice/lite_agent.hpp"

#include "ice/username.hpp"
#include "stun/builder.hpp"
#include "stun/integrity.hpp"

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
  if (msg.method != stun::method::kBinding) return refuse(msg, stun::error::kBadRequest, false, out);

  // Short-term credential checks (RFC 8489 9.1.3): a missing attribute is a 400, a wrong
  // one a 401; neither touches any state, so a forged check cannot move the selection.
  if (!msg.username || !msg.integrity_offset) return refuse(msg, stun::error::kBadRequest, false, out);
  if (!username_matches(msg) || !stun::verify_message_integrity(packet, msg, as_bytes(local_.pwd)))
    return refuse(msg, stun::error::kUnauthorized, false, out);

  if (msg.unknown_count > 0) return refuse(msg, stun::error::kUnknownAttribute, true, out);
  if (msg.ice_controlling && msg.ice_controlled) return refuse(msg, stun::error::kBadRequest, true, out);
  // RFC 8445 7.3.1.1: a lite agent is always controlled and cannot switch roles, so it
  // answers a controlled peer with 487 as if its own tie-breaker were the largest; the
  // full agent then takes the controlling role.
  if (msg.ice_controlled) return refuse(msg, stun::error::kRoleConflict, true, out);

  HandleResult result;
  result.response_size = build_success(msg, from, out);
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

bool IceLiteAgent::username_matches(const stun::Message& msg) const {
  auto local = local_ufrag_of(msg);
  if (!local || *local != local_.ufrag) return false;
  if (remote_.ufrag.empty()) return true;
  auto remote = remote_ufrag_of(msg);
  return remote && *remote == remote_.ufrag;
}

size_t IceLiteAgent::build_success(const stun::Message& msg, const SocketAddress& from,
                                   MutableBytes out) const {
  stun::MessageBuilder b(out, msg.method, stun::MessageClass::kSuccessResponse, msg.transaction_id);
  b.add_xor_mapped_address(from);
  if (!config_.software.empty()) b.add_software(config_.software);
  b.add_message_integrity(as_bytes(local_.pwd));
  b.add_fingerprint();
  return b.finish();
}

size_t IceLiteAgent::build_error(const stun::Message& msg, uint16_t code, bool authenticated,
                                 MutableBytes out) const {
  stun::MessageBuilder b(out, msg.method, stun::MessageClass::kErrorResponse, msg.transaction_id);
  b.add_error_code(code, stun::default_reason(code));
  if (code == stun::error::kUnknownAttribute) b.add_unknown_attributes(msg.unknown_attributes());
  if (!config_.software.empty()) b.add_software(config_.software);
  // 400 and 401 go to a sender that failed authentication: no MESSAGE-INTEGRITY.
  if (authenticated) b.add_message_integrity(as_bytes(local_.pwd));
  b.add_fingerprint();
  return b.finish();
}

HandleResult IceLiteAgent::refuse(const stun::Message& msg, uint16_t code, bool authenticated,
                                                MutableBytes out) const {
  return {build_error(msg, code, authenticated, out), Event::kRefused, code};
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
