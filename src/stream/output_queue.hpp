// Bytes waiting for a socket, in the order written. Chunks are kept as written (a large HTTP
// response is moved in, not copied) and sent from an offset, so a partial send never shifts
// what is left; small writes are appended to the last chunk to keep the chunk count (and the
// iovecs per send) low. An idle queue holds no memory.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <string>
#include <vector>

#include "core/bytes.hpp"

namespace umbrella::stream {

class OutputQueue {
 public:
  void append(std::string&& data);
  void append(Bytes data);

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Points up to `max` iovecs at the unsent bytes, oldest first; returns how many.
  size_t gather(iovec* iov, size_t max) const;
  // Drops `n` sent bytes from the front (n <= size()).
  void consume(size_t n);
  void clear();

  // Writes smaller than this join the last chunk instead of starting a new one.
  static constexpr size_t kCoalesceBelow = 4096;

 private:
  std::vector<std::string> chunks_;
  size_t head_ = 0;    // first chunk with unsent bytes
  size_t offset_ = 0;  // bytes of chunks_[head_] already sent
  size_t size_ = 0;
};

}  // namespace umbrella::stream
