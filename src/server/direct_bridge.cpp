#include "server/direct_bridge.hpp"

#include <algorithm>

#include "core/log.hpp"
#include "ice/credentials.hpp"
#include "stun/builder.hpp"
#include "stun/message.hpp"
#include "sctp/association.hpp"
#include "signal/codec.hpp"
#include "tls/certificate.hpp"

namespace umbrella::server {

const char* DirectBridge::state_name(State s) {
  switch (s) {
    case State::kGathering: return "gathering";
    case State::kAwaitingPeer: return "awaiting_peer";
    case State::kChecking: return "checking";
    case State::kConnected: return "connected";
    case State::kFailed: return "failed";
  }
  return "unknown";
}

DirectBridge::DirectBridge(DirectBridgeConfig config, tls::Certificate& certificate, PacketPool& pool, Instant now)
    : config_(std::move(config)),
      certificate_(certificate),
      pool_(pool),
      local_(ice::generate_credentials()),
      session_(ice::random_u64()),
      now_(now),
      retry_backoff_(config_.retry_first),
      next_reflect_(now) {
  ice::random_bytes(MutableBytes(reflect_id_.data(), reflect_id_.size()));
  if (!config_.reflector) finish_gathering();
}

DirectBridge::~DirectBridge() { media_down("the bridge ended"); }

void DirectBridge::media_down(const std::string& reason) {
  if (!media_up_) return;
  media_up_ = false;
  media_->on_bridge_down(reason);
}

void DirectBridge::send_datagram(Packet packet, const SocketAddress& to) {
  counters_.bytes_sent += packet.size();
  if (output_) output_(std::move(packet), to);
  else out_.emplace_back(std::move(packet), to);
}

void DirectBridge::send_binding_request() {
  // RFC 8489 basic binding: no USERNAME, no MESSAGE-INTEGRITY (the rendezvous answers it
  // statelessly with the address it sees).
  Packet p = pool_.acquire();
  if (!p) return;
  stun::MessageBuilder b(MutableBytes(p.data(), p.capacity()), stun::method::kBinding, stun::MessageClass::kRequest,
                         reflect_id_);
  b.add_fingerprint();
  size_t n = b.finish();
  if (n == 0) return;
  p.set_size(n);
  send_datagram(std::move(p), *config_.reflector);
}

void DirectBridge::finish_gathering() {
  signal::DirectSetupFields s;
  s.session = session_;
  s.ufrag = local_.ufrag;
  s.pwd = local_.pwd;
  s.fingerprint = "sha-256 " + certificate_.fingerprint_sha256();
  for (const auto& h : config_.host_candidates)
    if (s.candidates.size() < signal::DirectSetupFields::kMaxCandidates - 1) s.candidates.push_back(h);
  if (reflexive_ && std::find(s.candidates.begin(), s.candidates.end(), *reflexive_) == s.candidates.end())
    s.candidates.push_back(*reflexive_);
  local_setup_ = s;
  setup_out_ = std::move(s);
  state_ = State::kAwaitingPeer;
}

void DirectBridge::on_setup(const signal::DirectSetupFields& setup, Instant now) {
  now_ = now;
  ++counters_.setups_received;
  if (peer_ && peer_->session == setup.session) return;  // a repeat
  bool restarted = peer_.has_value();
  peer_ = setup;
  start_at_ = kNever;  // open toward its (maybe new) candidates again
  if (transport_) {  // the peer started afresh: so do we, with the same credentials
    media_down("the peer started a new session");
    closing_ = std::move(transport_);
    state_ = State::kAwaitingPeer;
    retry_at_ = kNever;
  }
  if (state_ == State::kFailed && local_setup_) {  // failed to start, or waiting to retry: go now
    state_ = State::kAwaitingPeer;
    retry_at_ = kNever;
  }
  // A restarted peer has lost what we sent: send it again.
  if (restarted && local_setup_) setup_out_ = local_setup_;
  maybe_start(now);
}

void DirectBridge::maybe_start(Instant now) {
  if (state_ != State::kAwaitingPeer || !peer_ || transport_) return;
  if (start_at_ == kNever) {
    openers_ = peer_->candidates;
    start_at_ = now + config_.check_delay;
  }
  if (now < start_at_) return;
  start_at_ = kNever;
  rtc::FullIce ice;
  ice.remote_candidates = peer_->candidates;
  ice.agent.controlling = config_.controlling;
  ice.agent.consent_interval = config_.consent_interval;
  ice.agent.consent_timeout = config_.consent_timeout;
  ice.dtls_role = config_.controlling ? dtls::Role::kClient : dtls::Role::kServer;
  rtc::TransportConfig tc{local_, {peer_->ufrag, peer_->pwd}, peer_->fingerprint, ice};
  auto t = rtc::Transport::create(tc, certificate_, pool_, *this, *this, now);
  if (!t.ok()) {
    last_error_ = t.error();
    state_ = State::kFailed;
    LOG_WARN("direct", "cannot start the direct transport to ", config_.peer_site, ": ", last_error_);
    return;
  }
  transport_ = std::move(t).value();
  if (config_.sctp) {
    // Both ends are ours: port 5000 each, and room for the largest signalling message.
    sctp::AssociationConfig association;
    association.max_message_size = association.remote_max_message_size = signal::kMaxEnvelopeSize;
    if (auto r = transport_->enable_data_channels(*config_.sctp, association); !r)
      LOG_WARN("direct", "no data channel to ", config_.peer_site, ": ", r.error());
  }
  state_ = State::kChecking;
  LOG_INFO("direct", "checking ", peer_->candidates.size(), " candidates of ", config_.peer_site,
           config_.controlling ? " (controlling)" : " (controlled)");
}

void DirectBridge::on_datagram(Packet packet, const SocketAddress& from, Instant now) {
  now_ = now;
  closing_.reset();
  counters_.bytes_received += packet.size();
  Bytes bytes(packet.data(), packet.size());
  if (config_.reflector && from == *config_.reflector && stun::looks_like_stun(bytes)) {
    auto msg = stun::parse(bytes);
    if (msg && msg->transaction_id == reflect_id_) {
      if (state_ == State::kGathering && msg->cls == stun::MessageClass::kSuccessResponse && msg->xor_mapped_address) {
        reflexive_ = msg->xor_mapped_address;
        LOG_INFO("direct", "this site is ", reflexive_->to_string(), " as the rendezvous sees it");
        finish_gathering();
        maybe_start(now);
      } else {
        ++counters_.stray;
      }
      return;
    }
  }
  if (!transport_ || transport_->closed()) {
    ++counters_.stray;
    return;
  }
  transport_->on_datagram(std::move(packet), from, now);
}

Instant DirectBridge::next_deadline() const {
  if (state_ == State::kGathering) return next_reflect_;
  if (state_ == State::kFailed) return retry_at_;
  if (state_ == State::kAwaitingPeer && !transport_) return start_at_;
  if (transport_ && !transport_->closed()) return transport_->next_deadline();
  return kNever;
}

void DirectBridge::restart(Instant now) {
  // A new session: gathered again (the NAT's mapping may have changed) and sent to the peer,
  // which drops its transport and sends its setup again (on_setup). Its old setup is stale.
  ++counters_.retries;
  media_down("trying again");
  closing_ = std::move(transport_);
  peer_.reset();
  session_ = ice::random_u64();
  ice::random_bytes(MutableBytes(reflect_id_.data(), reflect_id_.size()));
  reflect_sent_ = 0;
  reflexive_.reset();
  next_reflect_ = now;
  retry_at_ = kNever;
  start_at_ = kNever;
  retry_backoff_ = std::min(retry_backoff_ * 2, config_.retry_max);
  state_ = State::kGathering;
  LOG_INFO("direct", "trying ", config_.peer_site, " again");
  if (!config_.reflector) finish_gathering();
}

void DirectBridge::on_timeout(Instant now) {
  now_ = now;
  closing_.reset();
  if (state_ == State::kFailed) {
    if (now >= retry_at_) restart(now);
    if (state_ != State::kGathering) return;
  }
  if (state_ == State::kGathering) {
    if (now < next_reflect_) return;
    if (reflect_sent_ >= config_.reflect_attempts) {
      LOG_WARN("direct", "no answer from the rendezvous's media port ", config_.reflector->to_string(),
               ": offering host candidates only to ", config_.peer_site);
      finish_gathering();
      maybe_start(now);
      return;
    }
    ++reflect_sent_;
    send_binding_request();
    next_reflect_ = now + config_.reflect_interval;
    return;
  }
  if (state_ == State::kAwaitingPeer) maybe_start(now);
  if (transport_ && !transport_->closed() && transport_->next_deadline() <= now) transport_->on_timeout(now);
}

void DirectBridge::on_connected(Instant now) {
  state_ = State::kConnected;
  retry_backoff_ = config_.retry_first;
  LOG_INFO("direct", "direct transport to ", config_.peer_site, " connected over ",
           transport_ && transport_->remote_address() ? transport_->remote_address()->to_string() : std::string("?"));
  if (media_ && transport_) {
    media_up_ = true;
    media_->on_bridge_up(*transport_, now);
  }
}

void DirectBridge::on_closed(const std::string& reason) {
  media_down(reason);
  state_ = State::kFailed;
  last_error_ = reason;
  retry_at_ = now_ + retry_backoff_;
  LOG_INFO("direct", "direct transport to ", config_.peer_site, " ended: ", reason);
}

}  // namespace umbrella::server
