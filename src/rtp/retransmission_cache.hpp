// Recently sent or received packets of one stream, by RTP sequence number, for answering
// NACKs. A power-of-two ring of Packet handles: inserting shares the pooled buffer (no copy),
// and a slot is simply overwritten once the sequence space moves past it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/packet_pool.hpp"
#include "core/time.hpp"

namespace umbrella::rtp {

class RetransmissionCache {
 public:
  // slots is rounded up to a power of two (512 suits video, 128 audio). The slot array is
  // allocated once here, never per packet.
  explicit RetransmissionCache(size_t slots = 512, Duration max_age = milliseconds(1000));

  // Stores packet under sequence. A slot holding a newer sequence is kept (a late, reordered
  // packet does not evict a newer one). Packets past max_age behind it are let go, a few per
  // insert: a full ring of a slow stream would otherwise pin slots*2 KiB of the pool for
  // nothing (1 MiB per 1 Mbit/s video publisher).
  void insert(uint16_t sequence, Packet packet, Instant now);
  // The packet stored for sequence if it is still there and younger than max_age; otherwise an
  // empty handle. The returned handle shares the buffer: do not modify it in place.
  Packet lookup(uint16_t sequence, Instant now) const;

  void clear();
  size_t slots() const { return mask_ + 1; }

 private:
  struct Entry {
    Packet packet;
    uint16_t sequence = 0;
    Instant stored{};
  };
  size_t mask_;
  Duration max_age_;
  bool started_ = false;
  uint16_t newest_ = 0;  // newest sequence inserted
  uint16_t oldest_ = 0;  // sequences before it hold nothing (or a late packet the ring overwrites)
  std::unique_ptr<Entry[]> entries_;
};

}  // namespace umbrella::rtp
