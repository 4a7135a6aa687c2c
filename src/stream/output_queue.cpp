#include "stream/output_queue.hpp"

#include <iterator>
#include <utility>

namespace umbrella::stream {

namespace {
// A chunk that grew past this by coalescing starts a new one, so no string is re-grown forever.
constexpr size_t kChunkTarget = 16 * 1024;
}  // namespace

void OutputQueue::append(std::string&& data) {
  size_t n = data.size();
  if (n == 0) return;
  if (n < kCoalesceBelow && head_ < chunks_.size() && chunks_.back().size() < kChunkTarget)
    chunks_.back() += data;
  else
    chunks_.push_back(std::move(data));
  size_ += n;
}

void OutputQueue::append(Bytes data) {
  if (data.empty()) return;
  if (data.size() < kCoalesceBelow && head_ < chunks_.size() && chunks_.back().size() < kChunkTarget)
    chunks_.back().append(reinterpret_cast<const char*>(data.data()), data.size());
  else
    chunks_.emplace_back(reinterpret_cast<const char*>(data.data()), data.size());
  size_ += data.size();
}

size_t OutputQueue::gather(iovec* iov, size_t max) const {
  size_t n = 0;
  for (size_t i = head_; i < chunks_.size() && n < max; ++i, ++n) {
    size_t skip = i == head_ ? offset_ : 0;
    iov[n].iov_base = const_cast<char*>(chunks_[i].data() + skip);
    iov[n].iov_len = chunks_[i].size() - skip;
  }
  return n;
}

void OutputQueue::consume(size_t n) {
  size_ -= n;
  while (n > 0) {
    size_t left = chunks_[head_].size() - offset_;
    if (n < left) {
      offset_ += n;
      return;
    }
    n -= left;
    std::string().swap(chunks_[head_]);  // free the sent chunk now, not when the queue empties
    ++head_;
    offset_ = 0;
  }
  if (head_ == chunks_.size()) {
    chunks_.clear();
    head_ = 0;
  } else if (head_ >= 32 && head_ * 2 >= chunks_.size()) {
    // Moves the few string headers left, not their bytes.
    chunks_.erase(chunks_.begin(), chunks_.begin() + std::ptrdiff_t(head_));
    head_ = 0;
  }
}

void OutputQueue::clear() {
  std::vector<std::string>().swap(chunks_);
  head_ = offset_ = 0;
  size_ = 0;
}

}  // namespace umbrella::stream
