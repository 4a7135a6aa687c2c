#include "server/address_rate.hpp"

#include <algorithm>

namespace umbrella::server {

SocketAddress host_key(const SocketAddress& peer) {
  if (!peer.is_ipv6())
    return SocketAddress::ipv4({peer.ip_bytes()[0], peer.ip_bytes()[1], peer.ip_bytes()[2], peer.ip_bytes()[3]}, 0);
  std::array<uint8_t, 16> ip{};
  std::copy(peer.ip_bytes(), peer.ip_bytes() + 8, ip.begin());
  return SocketAddress::ipv6(ip, 0);
}

double TokenBucket::level(Instant now) const {
  if (last_ == Instant{} || now <= last_) return tokens_;
  double elapsed = std::chrono::duration<double>(now - last_).count();
  return std::min(burst_, tokens_ + elapsed * rate_);
}

bool TokenBucket::take(Instant now) {
  tokens_ = level(now);
  if (now > last_ || last_ == Instant{}) last_ = now;
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

AddressRate::AddressRate(uint32_t per_minute, size_t slots) : per_minute_(per_minute), capacity_(slots) {
  if (per_minute_) slots_.reserve(capacity_);
}

const AddressRate::Slot* AddressRate::find(const SocketAddress& key) const {
  for (auto& s : slots_)
    if (s.key == key) return &s;
  return nullptr;
}

bool AddressRate::exhausted(const SocketAddress& from, Instant now) const {
  if (!per_minute_) return false;
  const Slot* s = find(host_key(from));
  return s && !TokenBucket(s->bucket).take(now);
}

bool AddressRate::allow(const SocketAddress& from, Instant now) {
  if (!per_minute_) return true;
  SocketAddress key = host_key(from);
  Slot* slot = const_cast<Slot*>(find(key));
  if (!slot) {
    // A full bucket is the same as no slot: forget one of those first, else the stalest.
    TokenBucket fresh(per_minute_ / 60.0, per_minute_);
    if (slots_.size() < capacity_) {
      slot = &slots_.emplace_back(Slot{key, fresh, now});
    } else {
      auto victim = std::find_if(slots_.begin(), slots_.end(), [&](const Slot& s) { return s.bucket.full(now); });
      if (victim == slots_.end())
        victim = std::min_element(slots_.begin(), slots_.end(), [](const Slot& a, const Slot& b) { return a.seen < b.seen; });
      *victim = Slot{key, fresh, now};
      slot = &*victim;
    }
  }
  slot->seen = now;
  return slot->bucket.take(now);
}

size_t AddressRate::tracked() const { return slots_.size(); }

}  // namespace umbrella::server
