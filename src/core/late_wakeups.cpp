#include <atomic>
#include <cstdint>

#include "ringpipe/core/platform.hpp"

namespace ringpipe::core {
namespace {

// Counted only where a wake-up was lost, which should be never.
std::atomic<std::uint64_t> late_wakeups{0};

} // namespace

void linux_platform::note_late_wakeup() noexcept {
  // relaxed: a statistic; no ordering with anything.
  late_wakeups.fetch_add(1, std::memory_order_relaxed);
}

std::uint64_t late_wakeup_count() noexcept {
  // relaxed: a statistic.
  return late_wakeups.load(std::memory_order_relaxed);
}

} // namespace ringpipe::core
