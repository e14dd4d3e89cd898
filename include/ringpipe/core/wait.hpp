// The wait/wake protocol: how a side sleeps when the ring is full or empty, and how the peer wakes
// it without ever losing a wake-up and without a system call while nobody sleeps.
//
// Sleeper                                   Waker (after publishing a new position or a close)
//   sleep_word.store(sleeping)   [seq_cst]    position.store(new)              [seq_cst]
//   ready = peer position/close  [seq_cst]    if sleep_word.load() != awake    [seq_cst]
//   if !ready: futex_wait(sleep_word, sleeping)   and sleep_word.exchange(awake) != awake
//                                                    futex_wake(sleep_word)
//
// All four marked operations are seq_cst, so they are in one total order S. If the sleeper's
// recheck misses the new position, that load precedes the waker's store in S, hence so does the
// announce, and the waker's load sees `sleeping` and wakes. The waker resets the word before the
// futex call, so a sleeper that has not reached futex_wait yet finds the word changed and returns
// at once: the kernel compares the word and queues the sleeper atomically. docs/design.md has more.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "ringpipe/core/layout.hpp"

namespace ringpipe::core {

enum class wait_status {
  ready,     // the awaited condition holds (room to write / data to read)
  closed,    // the peer closed: nothing more will change
  timed_out, // the deadline passed first
  corrupt,   // the peer's shared state broke an invariant: see ringpipe::error::corrupt
};

using deadline = std::optional<std::chrono::steady_clock::time_point>;

// check(order) reads the peer's shared state with `order` and returns the outcome, or nullopt when the
// caller must keep waiting. Platform supplies atomics, futex_wait / futex_wake, cpu_relax and
// spin_limit: linux_platform in production, a model-checked one in tests/model_check.
template <class Platform, class Check>
wait_status wait_for_peer(typename Platform::atomics::template atomic<std::uint32_t>& sleep_word, Check&& check,
                          const deadline& until) {
  for (unsigned spin = 0; spin < Platform::spin_limit; ++spin) {
    // acquire: a ready answer must make the peer's bytes visible, as on the data path.
    if (auto status = check(std::memory_order_acquire)) return *status;
    Platform::cpu_relax();
  }
  for (;;) {
    // seq_cst: the announce must precede the recheck in S, see the top of this file.
    sleep_word.store(static_cast<std::uint32_t>(sleep_state::sleeping), std::memory_order_seq_cst);
    if (auto status = check(std::memory_order_seq_cst)) {
      // relaxed: only this side reads its own announcement as a sleeper; a racing reset is harmless.
      sleep_word.store(static_cast<std::uint32_t>(sleep_state::awake), std::memory_order_relaxed);
      return *status;
    }
    if (!Platform::futex_wait(sleep_word, static_cast<std::uint32_t>(sleep_state::sleeping), until)) {
      sleep_word.store(static_cast<std::uint32_t>(sleep_state::awake), std::memory_order_relaxed);
      // acquire: the last look before giving up still has to make the bytes it reports visible.
      if (auto status = check(std::memory_order_acquire)) return *status;
      return wait_status::timed_out;
    }
  }
}

// Called by the side that just published (a position or a close) with a seq_cst operation.
// Returns whether it made the wake system call.
template <class Platform>
bool wake_peer(typename Platform::atomics::template atomic<std::uint32_t>& sleep_word) {
  // seq_cst: must follow the publishing store in S (pairs with the sleeper's announce); this plain
  // load keeps the common path free of a read-modify-write while nobody sleeps.
  if (sleep_word.load(std::memory_order_seq_cst) == static_cast<std::uint32_t>(sleep_state::awake))
    return false;
  // seq_cst: only one waker of a given sleep pays for the system call.
  if (sleep_word.exchange(static_cast<std::uint32_t>(sleep_state::awake), std::memory_order_seq_cst) ==
      static_cast<std::uint32_t>(sleep_state::awake))
    return false;
  Platform::futex_wake(sleep_word);
  return true;
}

} // namespace ringpipe::core
