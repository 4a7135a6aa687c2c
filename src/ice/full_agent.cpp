#include "ice/full_agent.hpp"

#include <algorithm>

#include "ice/check_response.hpp"
#include "stun/builder.hpp"
#include "stun/integrity.hpp"
#include "stun/message.hpp"

namespace umbrella::ice {

IceFullAgent::IceFullAgent(Credentials local, Credentials remote,
                                         std::vector<SocketAddress> remote_candidates, Instant now,
                                         FullAgentConfig config)
    : local_(std::move(local)),
      remote_(std::move(remote)),
      config_(std::move(config)),
      username_(remote_.ufrag + ":" + local_.ufrag),
      created_(now) {
  if (config_.tie_breaker == 0) config_.tie_breaker = random_u64() | 1;
  rng_ = config_.tie_breaker ^ 0x9E3779B97F4A7C15ull;
  checks_.resize(remote_candidates.size());
  for (size_t i = 0; i < checks_.size(); ++i)
    start(checks_[i], remote_candidates[i], now + config_.pacing * int64_t(i));
}

void IceFullAgent::start(Transaction& t, const SocketAddress& destination, Instant at) {
  random_bytes(t.id);
  t.destination = destination;
  t.next = at;
  t.rto = config_.initial_rto;
  t.sends = 0;
  t.active = true;
}

bool IceFullAgent::due(const Transaction& t, Instant now) const {
  return t.active && t.sends < config_.max_transmits && now >= t.next;
}

std::optional<Transmit> IceFullAgent::poll_transmit(Instant now, MutableBytes out) {
  if (state_ == State::kFailed) return std::nullopt;
  if (state_ == State::kConnected && now >= next_consent_) {
    // A new transaction per consent check (RFC 7675 5.1); an unanswered one is abandoned.
    start(consent_, *selected_, now);
    next_consent_ = now + jittered_consent_interval();
  }
  Transaction* t = due(consent_, now) ? &consent_ : nullptr;
  for (size_t i = 0; !t && i < checks_.size(); ++i)
    if (due(checks_[i], now)) t = &checks_[i];
  if (!t) return std::nullopt;

  size_t size = build_request(*t, out);
  if (size == 0) return std::nullopt;
  if (++t->sends < config_.max_transmits) {
    t->next = now + t->rto;
    t->rto *= 2;
  } else {
    t->next = now + config_.initial_rto * config_.final_wait_factor;
  }
  return Transmit{t->destination, size};
}

size_t IceFullAgent::build_request(const Transaction& t, MutableBytes out) const {
  stun::MessageBuilder b(out, stun::method::kBinding, stun::MessageClass::kRequest, t.id);
  b.add_username(username_);
  b.add_priority(config_.priority);
  if (config_.controlling) {
    b.add_ice_controlling(config_.tie_breaker);
    // Consent checks nominate too, so a lite peer follows us across NAT rebinding.
    b.add_use_candidate();
  } else {
    b.add_ice_controlled(config_.tie_breaker);
  }
  if (!config_.software.empty()) b.add_software(config_.software);
  b.add_message_integrity(as_bytes(remote_.pwd));
  b.add_fingerprint();
  return b.finish();
}

IceFullAgent::Transaction* IceFullAgent::find(const stun::TransactionId& id) {
  if (consent_.active && consent_.id == id) return &consent_;
  for (auto& t : checks_)
    if (t.active && t.id == id) return &t;
  return nullptr;
}

bool IceFullAgent::checks_exhausted() const {
  return std::none_of(checks_.begin(), checks_.end(), [](const Transaction& t) { return t.active; });
}

Event IceFullAgent::fail(Event e) {
  state_ = State::kFailed;
  selected_.reset();
  consent_.active = false;
  for (auto& t : checks_) t.active = false;
  return e;
}

Event IceFullAgent::handle_stun(Bytes packet, const SocketAddress& from, Instant now) {
  if (state_ == State::kFailed) return Event::kNone;
  auto msg = stun::parse(packet);
  if (!msg) return Event::kNone;
  return on_response(*msg, packet, from, now);
}

HandleResult IceFullAgent::handle_stun(const stun::Message& msg, Bytes packet, const SocketAddress& from,
                                              Instant now, MutableBytes response_out) {
  if (state_ == State::kFailed) return {};
  if (!msg.is_request()) return {0, on_response(msg, packet, from, now), 0};
  // A full peer checks us too (RFC 8445 7.3) and uses the pair only once we answer. Its
  // checks select nothing on the controlling side: that side nominates.
  auto verdict = check_request(msg, packet, local_, remote_.ufrag, config_.controlling);
  size_t size = build_check_response(msg, verdict, from, local_, config_.software, response_out);
  if (verdict.error) return {size, Event::kRefused, verdict.error};
  Event e = !config_.controlling && msg.use_candidate ? select(from, now) : Event::kNone;
  return {size, e, 0};
}

Event IceFullAgent::on_response(const stun::Message& msg, Bytes packet, const SocketAddress& from,
                                       Instant now) {
  if (!msg.is_response() || msg.method != stun::method::kBinding) return Event::kNone;
  Transaction* t = find(msg.transaction_id);
  // RFC 8445 7.2.5.2.1: a response from elsewhere than the request's destination fails
  // the symmetry check; ignoring it lets a genuine response still arrive.
  if (!t || !(from == t->destination)) return Event::kNone;
  if (!stun::verify_message_integrity(packet, msg, as_bytes(remote_.pwd))) return Event::kNone;
  t->active = false;

  if (msg.cls == stun::MessageClass::kErrorResponse) {
    // The peer refused our credentials or our role (roles are fixed, a lite peer never
    // conflicts with a controlling agent): the pair fails, and so does the agent once no pair
    // is left.
    if (state_ == State::kNew && checks_exhausted() && !answered_) return fail(Event::kFailed);
    return Event::kNone;
  }
  if (t == &consent_) {
    last_consent_ = now;
    return Event::kNone;
  }
  // Controlled: an answered check means our NAT lets the peer in; the pair is used once the
  // peer nominates it.
  if (state_ != State::kNew) return Event::kNone;
  if (!config_.controlling) {
    answered_ = true;
    return Event::kNone;
  }
  return select(t->destination, now);
}

Event IceFullAgent::select(const SocketAddress& address, Instant now) {
  if (state_ == State::kConnected) {
    if (*selected_ == address) return Event::kNone;
    selected_ = address;  // the controlling peer moved its nomination (NAT rebinding)
    return Event::kAddressChanged;
  }
  state_ = State::kConnected;
  selected_ = address;
  for (auto& c : checks_) c.active = false;
  last_consent_ = now;
  next_consent_ = now + jittered_consent_interval();
  return config_.controlling ? Event::kConnected : Event::kNominated;
}

Instant IceFullAgent::next_deadline() const {
  if (state_ == State::kFailed) return kNever;
  Instant d = kNever;
  if (consent_.active) d = std::min(d, consent_.next);
  for (const auto& t : checks_)
    if (t.active) d = std::min(d, t.next);
  if (state_ == State::kNew && checks_exhausted()) d = std::min(d, give_up_at());
  if (state_ == State::kConnected) d = std::min({d, next_consent_, last_consent_ + config_.consent_timeout});
  return d;
}

Event IceFullAgent::handle_timeout(Instant now) {
  if (state_ == State::kFailed) return Event::kNone;
  auto expire = [&](Transaction& t) {
    if (t.active && t.sends >= config_.max_transmits && now >= t.next) t.active = false;
  };
  expire(consent_);
  for (auto& t : checks_) expire(t);
  if (state_ == State::kNew && checks_exhausted() && now >= give_up_at()) return fail(Event::kFailed);
  if (state_ == State::kConnected && now >= last_consent_ + config_.consent_timeout)
    return fail(Event::kConsentExpired);
  return Event::kNone;
}

Instant IceFullAgent::give_up_at() const {
  // Controlled with a pair that answered: the nomination may still be on its way (the peer's
  // checks get through only once ours opened our NAT); wait for it as long as consent lasts.
  return config_.controlling || !answered_ ? created_ : created_ + config_.consent_timeout;
}

Duration IceFullAgent::jittered_consent_interval() {
  // xorshift64*: deterministic per agent, enough to desynchronise many agents.
  rng_ ^= rng_ >> 12;
  rng_ ^= rng_ << 25;
  rng_ ^= rng_ >> 27;
  uint64_t r = rng_ * 0x2545F4914F6CDD1Dull;
  double u = double(r >> 11) / double(uint64_t(1) << 53);  // [0, 1)
  auto base = std::chrono::duration<double, std::nano>(config_.consent_interval);
  return std::chrono::duration_cast<Duration>(base * (0.8 + 0.4 * u));
}

}  // namespace umbrella::ice
