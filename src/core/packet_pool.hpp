// Fixed-size packet buffers from a bounded, preallocated pool, shared by reference count.
// One received datagram feeds every subscriber by reference; the only per-subscriber copy
// is the one SRTP encryption writes. A full pool refuses (and counts) instead of growing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <utility>
#include <vector>

namespace umbrella {

class PacketPool;

// Headroom lets a header grow in place (e.g. RTX's original-sequence-number field);
// tailroom leaves space for the SRTP auth tag.
inline constexpr size_t kPacketHeadroom = 64;
inline constexpr size_t kPacketCapacity = 2048 - 64;  // slot size minus bookkeeping

struct PacketSlot {
  PacketPool* pool;
  uint32_t refs;
  uint16_t offset;  // start of data within bytes
  uint16_t length;
  int64_t received_ns;  // kernel receive time (CLOCK_REALTIME) of the datagram it came from; 0: none
  uint8_t bytes[kPacketCapacity];
};

// Reference-counted handle to a pooled buffer. Copying shares the buffer; the pool gets it
// back when the last handle goes. Single-threaded: each event loop owns its pool.
class Packet {
 public:
  Packet() = default;
  Packet(const Packet& o) : s_(o.s_) { if (s_) ++s_->refs; }
  Packet(Packet&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  Packet& operator=(Packet o) noexcept { std::swap(s_, o.s_); return *this; }
  ~Packet() { reset(); }

  explicit operator bool() const { return s_ != nullptr; }
  void reset();

  uint8_t* data() { return s_->bytes + s_->offset; }
  const uint8_t* data() const { return s_->bytes + s_->offset; }
  size_t size() const { return s_->length; }
  std::span<uint8_t> span() { return {data(), size()}; }
  std::span<const uint8_t> span() const { return {data(), size()}; }
  // Room after the data (for SRTP's tag) and the whole writable area from data().
  size_t tailroom() const { return kPacketCapacity - s_->offset - s_->length; }
  size_t capacity() const { return kPacketCapacity - s_->offset; }
  void set_size(size_t n) { s_->length = uint16_t(n); }
  // Moves the start of the data by delta bytes (negative grows into headroom).
  bool adjust_front(int delta);
  // When the datagram this packet carries (or was copied from) reached the host: what the
  // send path measures the SFU's added delay from.
  int64_t received_ns() const { return s_->received_ns; }
  void set_received_ns(int64_t ns) { s_->received_ns = ns; }
  uint32_t ref_count() const { return s_ ? s_->refs : 0; }
  bool shared() const { return s_ && s_->refs > 1; }

 private:
  friend class PacketPool;
  explicit Packet(PacketSlot* s) : s_(s) {}
  PacketSlot* s_ = nullptr;
};

class PacketPool {
 public:
  explicit PacketPool(size_t slots);
  ~PacketPool();
  PacketPool(const PacketPool&) = delete;
  PacketPool& operator=(const PacketPool&) = delete;

  // An empty packet of size 0 with kPacketHeadroom in front, or an empty handle when the pool
  // is exhausted (counted in exhausted()).
  Packet acquire();
  // A new packet holding a copy of bytes.
  Packet copy_of(std::span<const uint8_t> bytes);

  size_t capacity() const { return slots_; }
  size_t available() const { return free_.size(); }
  size_t in_use() const { return slots_ - free_.size(); }
  uint64_t exhausted() const { return exhausted_; }

 private:
  friend class Packet;
  void release(PacketSlot* s) { free_.push_back(s); }

  size_t slots_;
  std::unique_ptr<PacketSlot[]> storage_;
  std::vector<PacketSlot*> free_;
  uint64_t exhausted_ = 0;
};

inline void Packet::reset() {
  if (s_ && --s_->refs == 0) s_->pool->release(s_);
  s_ = nullptr;
}

}  // namespace umbrella
