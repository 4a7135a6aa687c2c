#include "core/send_transform.hpp"

#include <atomic>

namespace umbrella {

namespace {
std::atomic<uint32_t> next_lane{0};
}  // namespace

SendTransform::SendTransform() : lane_(next_lane.fetch_add(1, std::memory_order_relaxed)) {}

}  // namespace umbrella
