#include "server/trunk_hub.hpp"

#include "core/log.hpp"
#include "server/conference.hpp"
#include "signal/codec.hpp"
#include "signal/messages.hpp"
#include "signal/strings.hpp"

namespace umbrella::server {

TrunkHub::TrunkHub(Rooms& rooms, std::string secret, uint32_t failures_per_minute)
    : rooms_(rooms), secret_(std::move(secret)), failures_(failures_per_minute, 256) {
  // Pull: after subscriptions changed (often several in one go), each trunk re-asks once.
  rooms_.media().plane.on_subscriptions_changed([this] { wants_changed(); });
}

void TrunkHub::wants_changed() {
  if (wants_timer_) return;
  EventLoop& loop = rooms_.media().loop;
  wants_timer_ = loop.schedule(loop.now(), [this] {
    wants_timer_ = 0;
    for (auto& [key, t] : trunks_) t->update_wants();
  });
}

uint64_t TrunkHub::open_direct(DirectTrunk& link) {
  uint64_t key = next_dialled_++;
  auto t = std::make_unique<TrunkParticipant>(rooms_, *this, key, &link, link.controlling(), &link);
  TrunkParticipant& ref = *t;
  trunks_.emplace(key, std::move(t));
  auto path = direct_ ? direct_->path(link.peer_site()) : std::nullopt;
  ref.start_direct(link.peer_site(), path == DirectPath::Path::kDirect);
  return key;
}

void TrunkHub::direct_path(const std::string& peer_site, DirectPath::Path path) {
  for (auto& [key, t] : trunks_)
    if (t->direct() && t->joined() && t->far_site() == peer_site) t->set_preferred(path == DirectPath::Path::kDirect);
}

void TrunkHub::restore_source(media::TrackId stream, const TrunkParticipant* except) {
  for (auto& [key, t] : trunks_)
    if (t.get() != except && t->feed_again(stream)) return;
}

size_t TrunkHub::direct_tracks() const {
  size_t n = 0;
  for (auto& [key, t] : trunks_) n += t->tracks_fed();
  return n;
}

TrunkHub::~TrunkHub() {  // no signalling while shutting down
  rooms_.media().plane.on_subscriptions_changed(nullptr);
  if (wants_timer_) rooms_.media().loop.cancel(wants_timer_);
  for (auto& [key, timer] : refusals_) rooms_.media().loop.cancel(timer);
}

void TrunkHub::auth_failed(uint64_t key, const SocketAddress& from, const std::string& far_site, Instant now) {
  ++rooms_.signal_counters().trunk_auth_failed;
  (void)failures_.allow(from, now);  // one failure spent from the address's budget
  log_failure(from, far_site, "failed the handshake (wrong trunk secret on one side)", now);
  refuse_later(key, umbrella_Error_Code_CODE_UNAUTHORIZED, "wrong trunk secret", now);
}

void TrunkHub::log_failure(const SocketAddress& from, const std::string& far_site, std::string_view what,
                           Instant now) {
  if (failure_log_.due(now))
    LOG_WARN("trunk", "a trunk from ", far_site, " (", from.ip_string(), ") ", what,
             " (logged at most once per 10 s; see signal.trunk_auth_failed and signal.trunk_auth_throttled)");
}

void TrunkHub::refuse_at(uint64_t key, umbrella_Error_Code code, std::string why, Instant when) {
  // The delay makes guessing slow; the per-address budget bounds how many wait at once.
  EventLoop& loop = rooms_.media().loop;
  auto timer = loop.schedule(when, [this, key, code, why = std::move(why)] {
    refusals_.erase(key);
    auto it = trunks_.find(key);
    if (it != trunks_.end()) it->second->refuse(code, why, Instant{}, false);
  });
  if (auto [it, fresh] = refusals_.emplace(key, timer); !fresh) {
    loop.cancel(it->second);
    it->second = timer;
  }
}

uint64_t TrunkHub::open_dialled(SignalChannel* channel) {
  uint64_t key = next_dialled_++;
  auto t = std::make_unique<TrunkParticipant>(rooms_, *this, key, channel, true);
  t->send_join();
  trunks_.emplace(key, std::move(t));
  return key;
}

void TrunkHub::on_frame(uint64_t key, Bytes frame, Instant now) {
  if (!trunks_.count(key)) return;
  ++rooms_.signal_counters().messages;
  auto msg = std::make_unique<umbrella_Envelope>();
  if (!signal::decode(frame, *msg)) {
    ++rooms_.signal_counters().malformed;
    return;
  }
  on_message(key, *msg, now);
}

void TrunkHub::cancel_refusal(uint64_t key) {
  if (auto r = refusals_.find(key); r != refusals_.end()) {
    rooms_.media().loop.cancel(r->second);
    refusals_.erase(r);
  }
}

void TrunkHub::accept(uint64_t connection, SignalChannel* channel, const umbrella_Join& join, const SocketAddress& from,
                      Instant now) {
  auto t = std::make_unique<TrunkParticipant>(rooms_, *this, connection, channel, false);
  TrunkParticipant& ref = *t;
  trunks_.emplace(connection, std::move(t));
  ref.accept(join, from, now);
}

void TrunkHub::on_message(uint64_t key, const umbrella_Envelope& msg, Instant now) {
  auto it = trunks_.find(key);
  if (it != trunks_.end()) it->second->on_message(msg, now);
}

void TrunkHub::on_closed(uint64_t key) {
  auto it = trunks_.find(key);
  if (it == trunks_.end()) return;
  auto t = std::move(it->second);
  trunks_.erase(it);
  cancel_refusal(key);
  t->leave();
  site_gone(key);
}

void TrunkHub::enable_rendezvous(RendezvousLimits limits) {
  rendezvous_ = std::make_unique<Rendezvous>(limits);
  for (auto& [key, t] : trunks_)
    if (t->joined()) site_joined(*t);
}

void TrunkHub::site_joined(TrunkParticipant& t) {
  if (!rendezvous_) return;
  rendezvous_->site_joined(t.key(), t.far_site());
  site_rooms_changed(t);
}

void TrunkHub::site_rooms_changed(TrunkParticipant& t) {
  if (!rendezvous_ || !t.joined()) return;
  rendezvous_->set_rooms(t.key(), t.own_rooms());
  flush_rendezvous();
}

void TrunkHub::site_gone(uint64_t key) {
  if (rendezvous_ && rendezvous_->knows(key)) {
    rendezvous_->site_left(key);
    // Two links to one site for a moment (both SFUs dialled): the one that stays takes over.
    // (Keys first: sending can close a trunk, which erases it from trunks_.)
    std::vector<uint64_t> others;
    for (auto& [k, t] : trunks_)
      if (k != key && t->joined() && !rendezvous_->knows(k)) others.push_back(k);
    for (uint64_t k : others)
      if (auto it = trunks_.find(k); it != trunks_.end() && rendezvous_) site_joined(*it->second);
    flush_rendezvous();
  }
  if (direct_) direct_->trunk_closed(key);
}

void TrunkHub::on_site_message(TrunkParticipant& from, const umbrella_Envelope& msg, Instant now) {
  if (msg.which_body == umbrella_Envelope_site_signal_tag && rendezvous_ && !from.dialled()) {
    const auto& s = msg.body.site_signal;
    (void)rendezvous_->on_signal(from.key(), s.site_id, Bytes(s.payload.bytes, s.payload.size), now);
    flush_rendezvous();
    return;
  }
  if (from.dialled() && direct_) {
    if (msg.which_body == umbrella_Envelope_site_introduction_tag)
      return direct_->on_introduction(from.key(), msg.body.site_introduction, now);
    if (msg.which_body == umbrella_Envelope_site_signal_tag)
      return direct_->on_signal(from.key(), msg.body.site_signal, now);
  }
  ++site_messages_refused_;
}

void TrunkHub::flush_rendezvous() {
  for (RendezvousMessage& m : rendezvous_->take()) {
    auto env = signal::new_envelope();
    if (m.kind == RendezvousMessage::Kind::kSignal) {
      signal::reset(*env, umbrella_Envelope_site_signal_tag);
      auto& s = env->body.site_signal;
      signal::copy_string(s.site_id, m.site);
      if (m.payload.size() > sizeof s.payload.bytes) continue;  // bounded on the way in
      std::copy(m.payload.begin(), m.payload.end(), s.payload.bytes);
      s.payload.size = pb_size_t(m.payload.size());
    } else {
      signal::reset(*env, umbrella_Envelope_site_introduction_tag);
      auto& i = env->body.site_introduction;
      signal::copy_string(i.peer_site, m.site);
      i.controlling = m.controlling;
      i.ended = m.kind == RendezvousMessage::Kind::kEnd;
      if (!i.ended) LOG_INFO("trunk", "introducing ", m.site, " to ", far_site(m.to), " (rendezvous)");
    }
    send_to(m.to, *env);
  }
}

bool TrunkHub::send_to(uint64_t key, const umbrella_Envelope& env) {
  auto it = trunks_.find(key);
  if (it == trunks_.end() || !it->second->joined()) return false;
  it->second->send(env);
  return true;
}

std::optional<SocketAddress> TrunkHub::media_address(uint64_t key) const {
  auto it = trunks_.find(key);
  return it != trunks_.end() ? it->second->media_address() : std::nullopt;
}

std::string TrunkHub::far_site(uint64_t key) const {
  auto it = trunks_.find(key);
  return it != trunks_.end() && it->second->joined() ? it->second->far_site() : std::string();
}

TrunkParticipant* TrunkHub::linked_to(const std::string& far_site, const TrunkParticipant* except) {
  for (auto& [key, t] : trunks_)
    if (t.get() != except && !t->direct() && t->joined() && t->far_site() == far_site) return t.get();
  return nullptr;
}

}  // namespace umbrella::server
