#include "server/trunk_hub.hpp"

#include "signal/codec.hpp"

namespace umbrella::server {

TrunkHub::TrunkHub(Rooms& rooms, std::string secret) : rooms_(rooms), secret_(std::move(secret)) {}

TrunkHub::~TrunkHub() = default;  // no signalling while shutting down

uint64_t TrunkHub::open_dialled(SignalChannel* channel) {
  uint64_t key = next_dialled_++;
  auto t = std::make_unique<TrunkParticipant>(rooms_, *this, key, channel, true);
  t->send_join(secret_);
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

void TrunkHub::accept(uint64_t connection, SignalChannel* channel, const umbrella_Join& join) {
  auto t = std::make_unique<TrunkParticipant>(rooms_, *this, connection, channel, false);
  TrunkParticipant& ref = *t;
  trunks_.emplace(connection, std::move(t));
  ref.accept(join, secret_);
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
  t->leave();
}

TrunkParticipant* TrunkHub::linked_to(const std::string& far_site, const TrunkParticipant* except) {
  for (auto& [key, t] : trunks_)
    if (t.get() != except && t->joined() && t->far_site() == far_site) return t.get();
  return nullptr;
}

}  // namespace umbrella::server
