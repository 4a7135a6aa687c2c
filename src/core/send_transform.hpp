// A datagram's last step before it leaves (SRTP protect), applied by the socket at flush
// time, maybe on a worker thread. One transform is only ever applied by one thread at a time,
// in queue order, and every queued transform has been applied when the socket's flush()
// returns: an owner that outlives the next flush() may queue datagrams through it.
#pragma once

#include <cstdint>

#include "core/packet_pool.hpp"

namespace umbrella {

class SendTransform {
 public:
  SendTransform();
  virtual ~SendTransform() = default;
  // False drops the datagram (the transform counts why).
  virtual bool apply(Packet& packet) = 0;
  // Which worker applies this transform: spread evenly, fixed for its lifetime.
  uint32_t lane() const { return lane_; }

 private:
  uint32_t lane_;
};

}  // namespace umbrella
