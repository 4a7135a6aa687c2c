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
  if (!started_ || seq_newer(sequence, newest_)) {
    if (!started_ || uint16_t(sequence - oldest_) > mask_) oldest_ = uint16_t(sequence - mask_);
    newest_ = sequence;
    started_ = true;
  }
  // From the oldest on, release what is too old to resend, stopping at the first fresh one.
  // At most kSweep per insert; a stream sends one packet per insert, so it keeps up.
  constexpr int kSweep = 4;
  for (int i = 0; i < kSweep && oldest_ != newest_; ++i, ++oldest_) {
    Entry& old = entries_[oldest_ & mask_];
    if (!old.packet || old.sequence != oldest_) continue;
    if (now - old.stored < max_age_) break;
    old.packet = Packet();
  }
}

Packet RetransmissionCache::lookup(uint16_t sequence, Instant now) const {
  const Entry& e = entries_[sequence & mask_];
  if (!e.packet || e.sequence != sequence || now - e.stored >= max_age_) return Packet();
  return e.packet;
}

void RetransmissionCache::clear() {
  for (size_t i = 0; i <= mask_; ++i) entries_[i] = Entry{};
  started_ = false;
}

}  // namespace umbrella::rtp
