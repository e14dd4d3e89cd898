#include <cerrno>
#include <climits>
#include <ctime>

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ringpipe/core/platform.hpp"

namespace ringpipe::core {
namespace {

// Counted only on the sleep/wake path, which is a system call anyway.
std::atomic<std::uint64_t> futex_calls{0};

long futex(std::atomic<std::uint32_t>& word, int op, std::uint32_t value, const timespec* timeout,
           std::uint32_t bitset) {
  // relaxed: a statistic; no ordering with anything.
  futex_calls.fetch_add(1, std::memory_order_relaxed);
  return ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), op, value, timeout, nullptr, bitset);
}

timespec to_timespec(std::chrono::steady_clock::time_point when) {
  const auto since_epoch = when.time_since_epoch();
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  const auto nanoseconds = std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch - seconds);
  return timespec{static_cast<time_t>(seconds.count()), static_cast<long>(nanoseconds.count())};
}

} // namespace

static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));

bool linux_platform::futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t expected,
                                const deadline& until) {
  if (!until) {
    futex(word, FUTEX_WAIT, expected, nullptr, 0);
    return true;
  }
  // steady_clock is CLOCK_MONOTONIC on Linux; FUTEX_WAIT_BITSET takes an absolute time on it.
  const timespec absolute = to_timespec(*until);
  const long result = futex(word, FUTEX_WAIT_BITSET, expected, &absolute, FUTEX_BITSET_MATCH_ANY);
  return !(result == -1 && errno == ETIMEDOUT);
}

void linux_platform::futex_wake(std::atomic<std::uint32_t>& word) noexcept {
  futex(word, FUTEX_WAKE, INT_MAX, nullptr, 0);
}

std::uint64_t futex_call_count() noexcept {
  // relaxed: a statistic.
  return futex_calls.load(std::memory_order_relaxed);
}

} // namespace ringpipe::core
