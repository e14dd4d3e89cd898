// The wait/wake protocol: how a side sleeps when the ring is full or empty, and how the peer wakes
// it without ever losing a wake-up and without a system call while nobody sleeps.
//
// Sleeper                                     Waker (after publishing a new position or a close)
//   sleep_word.store(sleeping)   [release]      position.store(new)              [release]
//   heavy_fence()                               light_fence()
//   ready = peer position/close  [acquire]      if sleep_word.load() != awake    [relaxed]
//   if !ready: futex_wait(sleep_word, sleeping)   and sleep_word.exchange(awake) != awake
//                                                    futex_wake(sleep_word)
//
// This is store buffering, and the two fences forbid its one bad outcome: if the sleeper's recheck
// misses the new position, the waker's load sees the announce and wakes. The waker resets the word
// before the futex call, so a sleeper that has not reached futex_wait yet finds the word changed and
// returns at once: the kernel compares the word and queues the sleeper atomically. docs/design.md has
// more.
//
// The fences are asymmetric because the sides pay for them very differently: the waker runs on every
// commit and consume, the sleeper only on its way to a system call. Together they order like two
// seq_cst fences (the model checker uses exactly that); on Linux light_fence is only a compiler
// barrier and heavy_fence is membarrier(2), which runs a full barrier on every CPU that is running a
// thread of a process using rings (platform.hpp).
//
// An asynchronous operation waits the same way without a thread: it is stored in its side's waiter
// slot, then announced as `parked` instead of `sleeping`; the waker that resets a `parked` word takes
// the operation out of the slot and wakes it. Taking it (an exchange or compare-exchange) decides every
// race: between the peer, a cancellation and this side's close, exactly one resumes it.
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

// An asynchronous operation parked in a waiter slot. Whoever takes it out of the slot calls exactly
// one of these, exactly once; neither may run the operation's handler inline.
class parked_waiter {
public:
  // The peer's state changed (or the side that parked found it changed): try again.
  virtual void wake() noexcept = 0;
  // This side cancelled or closed: end with operation_aborted.
  virtual void abort() noexcept = 0;

protected:
  ~parked_waiter() = default;
};

// Process-local, never in shared memory (it holds addresses): the operation each side has parked.
template <class Atomics>
struct basic_waiter_slots {
  typename Atomics::template atomic<parked_waiter*> writer;
  typename Atomics::template atomic<parked_waiter*> reader;
};

// check(order) reads the peer's shared state with `order` and returns the outcome, or nullopt when the
// caller must keep waiting. Platform supplies atomics, futex_wait / futex_wake, the two fences,
// cpu_relax and spin_limit: linux_platform in production, a model-checked one in tests/model_check.
template <class Platform, class Check>
wait_status wait_for_peer(typename Platform::atomics::template atomic<std::uint32_t>& sleep_word,
                          Check&& check, const deadline& until) {
  for (unsigned spin = 0; spin < Platform::spin_limit; ++spin) {
    // acquire: a ready answer must make the peer's bytes visible, as on the data path.
    if (auto status = check(std::memory_order_acquire)) return *status;
    Platform::cpu_relax();
  }
  for (;;) {
    // relaxed: the fence below orders the announce before the recheck (see the top of this file).
    sleep_word.store(static_cast<std::uint32_t>(sleep_state::sleeping), std::memory_order_relaxed);
    Platform::heavy_fence();
    // acquire: a ready answer must make the peer's bytes visible.
    if (auto status = check(std::memory_order_acquire)) {
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

// Parks `waiter` instead of sleeping. `changed(order)` reads only shared atomics (never the caller's
// cursor: once the waiter is in the slot, another thread may be resuming it) and says whether the
// peer moved or closed since the caller found it blocked. Returns true when the caller must resume
// the waiter itself (it is not parked); false when it is parked and someone else will take it.
template <class Platform, class Changed>
bool park_for_peer(typename Platform::atomics::template atomic<std::uint32_t>& sleep_word,
                   typename Platform::atomics::template atomic<parked_waiter*>& slot, parked_waiter* waiter,
                   Changed&& changed) {
  // release: whoever takes the waiter out of the slot sees it fully built (pairs with their acquire).
  slot.store(waiter, std::memory_order_release);
  // release: a waker that reads `parked` from its exchange then finds the waiter in the slot; the fence
  // below orders the announce before the recheck, exactly as for a sleeping thread.
  sleep_word.store(static_cast<std::uint32_t>(sleep_state::parked), std::memory_order_release);
  Platform::heavy_fence();
  // acquire: whoever resumes the operation next must see the bytes that made it ready.
  if (!changed(std::memory_order_acquire)) return false;
  // acq_rel: settles the race with a waker that already saw the announce; only one of us gets it.
  if (slot.exchange(nullptr, std::memory_order_acq_rel) != waiter) return false;
  // Nobody waits any more: spare the next waker a futex call. relaxed: a waker that still reads
  // `parked` finds the slot empty, which is harmless.
  sleep_word.store(static_cast<std::uint32_t>(sleep_state::awake), std::memory_order_relaxed);
  return true;
}

// Takes the waiter out of the slot if it is still `waiter` (a cancellation of that very operation).
template <class Platform>
bool unpark(typename Platform::atomics::template atomic<parked_waiter*>& slot, parked_waiter* waiter) {
  // acq_rel: the same race as above, against the peer and this side's close.
  return slot.compare_exchange_strong(waiter, nullptr, std::memory_order_acq_rel, std::memory_order_relaxed);
}

// Called by the side that just published (a position or a close) with a release store.
// Returns whether it made the wake system call.
template <class Platform>
bool wake_peer(typename Platform::atomics::template atomic<std::uint32_t>& sleep_word,
               typename Platform::atomics::template atomic<parked_waiter*>& peer_slot) {
  // Orders the publication before the load below; pairs with the sleeper's heavy_fence.
  Platform::light_fence();
  // relaxed: the fence above does the ordering; a plain load keeps the common path free of a
  // read-modify-write while nobody sleeps.
  if (sleep_word.load(std::memory_order_relaxed) == static_cast<std::uint32_t>(sleep_state::awake))
    return false;
  // acq_rel: only one waker of a given sleep pays for the system call or takes the parked waiter, and
  // acquire pairs with the `parked` announce, so the waiter stored before it is in the slot below.
  const auto previous = static_cast<sleep_state>(
      sleep_word.exchange(static_cast<std::uint32_t>(sleep_state::awake), std::memory_order_acq_rel));
  if (previous == sleep_state::sleeping) {
    Platform::futex_wake(sleep_word);
    return true;
  }
  if (previous != sleep_state::parked) return false;
  // acq_rel: acquire sees the waiter the parking side published; release orders our publication
  // before the waiter's resumption for whoever takes the slot next.
  if (parked_waiter* waiter = peer_slot.exchange(nullptr, std::memory_order_acq_rel)) {
    waiter->wake();
    return false;
  }
  // Parked, but not in our slot: the operation belongs to another process (or another handle on the
  // ring in this one), whose watcher thread sleeps on the word (see parked_watcher).
  Platform::futex_wake(sleep_word);
  return true;
}

} // namespace ringpipe::core
