#include "core/packet_pool.hpp"

#include <cstring>

namespace umbrella {

PacketPool::PacketPool(size_t slots) : slots_(slots), storage_(new PacketSlot[slots]) {
  free_.reserve(slots);
  for (size_t i = slots; i > 0; --i) free_.push_back(&storage_[i - 1]);
}

PacketPool::~PacketPool() = default;

Packet PacketPool::acquire() {
  if (free_.empty()) {
    ++exhausted_;
    return Packet();
  }
  PacketSlot* s = free_.back();
  free_.pop_back();
  s->pool = this;
  s->refs = 1;
  s->offset = kPacketHeadroom;
  s->length = 0;
  s->received_ns = 0;
  return Packet(s);
}

Packet PacketPool::copy_of(std::span<const uint8_t> bytes) {
  Packet p = acquire();
  if (!p) return p;
  if (bytes.size() > p.capacity()) return Packet();
  std::memcpy(p.data(), bytes.data(), bytes.size());
  p.set_size(bytes.size());
  return p;
}

bool Packet::adjust_front(int delta) {
  int offset = int(s_->offset) + delta;
  int length = int(s_->length) - delta;
  if (offset < 0 || length < 0 || size_t(offset) + size_t(length) > kPacketCapacity) return false;
  s_->offset = uint16_t(offset);
  s_->length = uint16_t(length);
  return true;
}

}  // namespace umbrella
