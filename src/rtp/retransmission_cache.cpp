#include "rtp/retransmission_cache.hpp"

#include "rtp/seq.hpp"

namespace umbrella::rtp {
namespace {

size_t round_up_pow2(size_t n) {
  size_t p = 1;
  while (p < n && p < 0x8000) p <<= 1;
  return p;
}

}  // namespace

RetransmissionCache::RetransmissionCache(size_t slots, Duration max_age)
    : mask_(round_up_pow2(slots) - 1), max_age_(max_age), entries_(new Entry[mask_ + 1]) {}

void RetransmissionCache::insert(uint16_t sequence, Packet packet, Instant now) {
  Entry& e = entries_[sequence & mask_];
  if (e.packet && seq_newer(e.sequence, sequence) && now - e.stored < max_age_) return;
  e.packet = std::move(packet);
  e.sequence = sequence;
  e.stored = now;
}

Packet RetransmissionCache::lookup(uint16_t sequence, Instant now) const {
  const Entry& e = entries_[sequence & mask_];
  if (!e.packet || e.sequence != sequence || now - e.stored >= max_age_) return Packet();
  return e.packet;
}

void RetransmissionCache::clear() {
  for (size_t i = 0; i <= mask_; ++i) entries_[i] = Entry{};
}

}  // namespace umbrella::rtp
