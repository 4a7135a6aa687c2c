#include "server/rendezvous.hpp"

#include <algorithm>

namespace umbrella::server {

bool Rendezvous::site_joined(uint64_t key, const std::string& site) {
  if (site.empty() || sites_.count(key)) return false;
  if (sites_.size() >= limits_.max_sites || site_named(site)) {
    ++counters_.refused_sites;
    return false;
  }
  sites_.emplace(key, Site{site, {}, TokenBucket(limits_.signals_per_second, limits_.signal_burst)});
  update();
  return true;
}

void Rendezvous::site_left(uint64_t key) {
  if (sites_.erase(key)) update();
}

void Rendezvous::set_rooms(uint64_t key, std::set<std::string> rooms) {
  auto it = sites_.find(key);
  if (it == sites_.end() || it->second.rooms == rooms) return;
  it->second.rooms = std::move(rooms);
  update();
}

const Rendezvous::Site* Rendezvous::site_named(std::string_view id, uint64_t* key) const {
  for (auto& [k, s] : sites_)
    if (s.id == id) {
      if (key) *key = k;
      return &s;
    }
  return nullptr;
}

bool Rendezvous::share_room(const Site& a, const Site& b) const {
  return std::any_of(a.rooms.begin(), a.rooms.end(), [&](const std::string& r) { return b.rooms.count(r) > 0; });
}

void Rendezvous::tell(const Pair& pair, RendezvousMessage::Kind kind) {
  uint64_t ka = 0, kb = 0;
  const Site* a = site_named(pair.first, &ka);
  const Site* b = site_named(pair.second, &kb);
  bool intro = kind == RendezvousMessage::Kind::kIntroduce;
  // A site that left hears nothing; the one still here hears the pair ended.
  if (a) out_.push_back({ka, kind, pair.second, intro, {}});
  if (b) out_.push_back({kb, kind, pair.first, false, {}});
  (intro ? counters_.introductions : counters_.endings) += (a ? 1 : 0) + (b ? 1 : 0);
}

void Rendezvous::update() {
  std::set<Pair> now;
  for (auto a = sites_.begin(); a != sites_.end(); ++a)
    for (auto b = std::next(a); b != sites_.end(); ++b)
      if (a->second.id != b->second.id && share_room(a->second, b->second))
        now.insert(pair_of(a->second.id, b->second.id));
  for (const Pair& p : pairs_)
    if (!now.count(p)) tell(p, RendezvousMessage::Kind::kEnd);
  for (const Pair& p : now)
    if (!pairs_.count(p)) tell(p, RendezvousMessage::Kind::kIntroduce);
  pairs_ = std::move(now);
}

bool Rendezvous::on_signal(uint64_t from, std::string_view to_site, Bytes payload, Instant now) {
  auto it = sites_.find(from);
  if (it == sites_.end()) {
    ++counters_.refused_unauthenticated;
    return false;
  }
  Site& sender = it->second;
  uint64_t to = 0;
  if (to_site == sender.id || !site_named(to_site, &to) || !pairs_.count(pair_of(sender.id, std::string(to_site)))) {
    ++counters_.refused_not_introduced;
    return false;
  }
  if (payload.size() > limits_.max_payload || payload.empty()) {
    ++counters_.refused_too_large;
    return false;
  }
  if (!sender.signals.take(now)) {
    ++counters_.refused_rate;
    return false;
  }
  ++counters_.signals_relayed;
  out_.push_back({to, RendezvousMessage::Kind::kSignal, sender.id, false, {payload.begin(), payload.end()}});
  return true;
}

}  // namespace umbrella::server
