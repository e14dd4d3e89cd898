// The wait/wake protocol: how a side sleeps when the ring is full or empty, and how the peer wakes
// it without ever losing a wake-up and without a system call while nobody sleeps.
//
// Sleeper                                     Waker (after publishing a new position or a close)
//   sleep_word.store(sleeping)   [relaxed]      position.store(new)              [release]
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
// seq_cst fences (the model checker uses exactly that). On Linux heavy_fence is membarrier(2), which
// runs a full barrier on every CPU running a thread of this process, so a waker whose sleeper is in
// this process needs only a compiler barrier; a waker whose sleeper may be in another process runs a
// full fence (platform.hpp).
//
// A sleep never outlasts recheck_interval without a look at the ring: should a wake-up ever be lost
// (a kernel or CPU that breaks the fences' promise), it costs that delay, not a hang, and is counted
// as a late wake-up.
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

// The longest a sleeping thread goes without a look at its ring; a parked operation, at most twice
// that (lost_wake_sweeper.hpp). An idle thread pays one futex call per interval for it.
inline constexpr std::chrono::milliseconds recheck_interval{500};

// How long a side that must wait spins (rereading the peer's position) before it announces a sleep or
// parks, by default. A sleep and its wake cost about 50 µs of CPU here (membarrier, two futex calls,
// two context switches: bench/README.md, section 6), so spinning for less than that costs at most
// twice the cheapest choice whatever the peer does, and a running peer's reply is caught: at 20 µs,
// 96-100% of a ping-pong's waits in two sweeps, against 80-96% at 5 µs. A peer sharing this CPU cannot
// publish while we spin: set wait_options::spin to 0 there.
inline constexpr std::chrono::nanoseconds default_spin{20000};

// What one wait did, for the waiting side's statistics.
struct wait_report {
  bool spun_ready = false;        // the spin found the ring ready: no announce, no system call
  std::uint32_t sleeps = 0;       // futex_wait calls
  std::uint32_t late_wakeups = 0; // see late_after
};

// Rereads check(acquire) for up to `spin` (measured on the steady clock every 16 rounds, as a clock
// read costs several rounds), and at most Platform::spin_limit rounds. The result, or nullopt.
template <class Platform, class Check>
std::optional<wait_status> spin_for_peer(Check& check, std::chrono::nanoseconds spin) {
  if (Platform::spin_limit == 0 || spin <= spin.zero()) return std::nullopt;
  const auto spin_until = std::chrono::steady_clock::now() + spin;
  for (unsigned round = 0; round < Platform::spin_limit; ++round) {
    // acquire: a ready answer must make the peer's bytes visible, as on the data path.
    if (std::optional<wait_status> status = check(std::memory_order_acquire)) return status;
    Platform::cpu_relax();
    if (round % 16 == 15 && std::chrono::steady_clock::now() >= spin_until) break;
  }
  return std::nullopt;
}

// A wake-up arrives within microseconds of the publication it follows. A sleep that ran out after at
// least this long, on a ring that was ready, with the announcement no waker had reset, lost its
// wake-up: it is counted (late_wakeup_count) rather than passed over.
inline constexpr std::chrono::milliseconds late_after{50};

// An asynchronous operation parked in a waiter slot. Whoever takes it out of the slot calls exactly
// one of these, exactly once; neither may run the operation's handler inline.
class async_waiter {
public:
  // The peer's state changed (or the side that parked found it changed): try again.
  virtual void wake() noexcept = 0;
  // This side cancelled or closed: end with operation_aborted.
  virtual void abort() noexcept = 0;

protected:
  ~async_waiter() = default;
};

// Process-local, never in shared memory (it holds addresses): the operation each side has parked.
template <class Atomics>
struct basic_waiter_slots {
  typename Atomics::template atomic<async_waiter*> writer;
  typename Atomics::template atomic<async_waiter*> reader;
  // The process (its id) that took each role through these slots, 0 while none has. A forked child
  // inherits its parent's ids with its copy of the slots, so they never match its own: equal ids mean
  // both endpoints are threads of one process, whose sleeps fence the waker with membarrier.
  typename Atomics::template atomic<std::int32_t> writer_process;
  typename Atomics::template atomic<std::int32_t> reader_process;
};

using waiter_slots = basic_waiter_slots<std_atomics>;

// check(order) reads the peer's shared state with `order` and returns the outcome, or nullopt when the
// caller must keep waiting. Spins for up to `spin` first. Platform supplies atomics, futex_wait /
// futex_wake, the two fences, cpu_relax and spin_limit: linux_platform in production, a model-checked
// one in tests/model_check.
template <class Platform, class Check>
wait_status wait_for_peer(typename Platform::atomics::template atomic<std::uint32_t>& sleep_word,
                          Check&& check, const deadline& until, std::chrono::nanoseconds spin,
                          wait_report& report) {
  constexpr auto sleeping = static_cast<std::uint32_t>(sleep_state::sleeping);
  constexpr auto awake = static_cast<std::uint32_t>(sleep_state::awake);
  if (std::optional<wait_status> status = spin_for_peer<Platform>(check, spin)) {
    report.spun_ready = true;
    return *status;
  }
  for (;;) {
    // relaxed: the fence below orders the announce before the recheck (see the top of this file).
    sleep_word.store(sleeping, std::memory_order_relaxed);
    Platform::heavy_fence();
    // acquire: a ready answer must make the peer's bytes visible.
    if (auto status = check(std::memory_order_acquire)) {
      // relaxed: only this side reads its own announcement as a sleeper; a racing reset is harmless.
      sleep_word.store(awake, std::memory_order_relaxed);
      return *status;
    }
    const auto asleep_at = std::chrono::steady_clock::now();
    const auto recheck_at = asleep_at + recheck_interval;
    const bool cut_short = !until || *until > recheck_at;
    const auto wake_by = cut_short ? recheck_at : *until;
    ++report.sleeps;
    if (Platform::futex_wait(sleep_word, sleeping, deadline(wake_by))) continue;
    // relaxed: tells only whether a waker reset the announcement, i.e. whether a wake-up was on its way.
    const bool unwoken = sleep_word.exchange(awake, std::memory_order_relaxed) == sleeping;
    // acquire: the bytes this reports ready must be visible.
    if (auto status = check(std::memory_order_acquire)) {
      if (unwoken && wake_by - asleep_at >= late_after) {
        Platform::note_late_wakeup();
        ++report.late_wakeups;
      }
      return *status;
    }
    if (!cut_short) return wait_status::timed_out;
  }
}

// Parks `waiter` instead of sleeping. `changed(order)` reads only shared atomics (never the caller's
// cursor: once the waiter is in the slot, another thread may be resuming it) and says whether the
// peer moved or closed since the caller found it blocked. Returns true when the caller must resume
// the waiter itself (it is not parked); false when it is parked and someone else will take it.
template <class Platform, class Changed>
bool park_for_peer(typename Platform::atomics::template atomic<std::uint32_t>& sleep_word,
                   typename Platform::atomics::template atomic<async_waiter*>& slot, async_waiter* waiter,
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
bool unpark(typename Platform::atomics::template atomic<async_waiter*>& slot, async_waiter* waiter) {
  // acq_rel: the same race as above, against the peer and this side's close.
  return slot.compare_exchange_strong(waiter, nullptr, std::memory_order_acq_rel, std::memory_order_relaxed);
}

// wake_peer's rare half: the peer announced a sleep or a park. Out of line, so that the common half
// stays a few instructions that every caller inlines.
template <class Platform>
[[gnu::noinline]] bool
wake_announced_peer(typename Platform::atomics::template atomic<std::uint32_t>& sleep_word,
                    typename Platform::atomics::template atomic<async_waiter*>& peer_slot) {
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
  if (async_waiter* waiter = peer_slot.exchange(nullptr, std::memory_order_acq_rel)) {
    waiter->wake();
    return false;
  }
  // Parked, but not in our slot: the operation belongs to another process (or another handle on the
  // ring in this one), whose relay thread sleeps on the word (see remote_wake_thread).
  Platform::futex_wake(sleep_word);
  return true;
}

// Called by the side that just published (a position or a close) with a release store.
// Returns whether it made the wake system call.
// `sleeper_fences_us`: the sleeper took its role through the same waiter slots in this process (see
// basic_waiter_slots) and the process registered its fences, so the sleeper's heavy_fence reaches us.
// Always inlined: it runs on every commit and consume, and a call there cost the queues' one-element
// path more than the rest of it at -O2, where GCC does not inline it on its own.
template <class Platform>
[[gnu::always_inline]] inline bool
wake_peer(typename Platform::atomics::template atomic<std::uint32_t>& sleep_word,
          typename Platform::atomics::template atomic<async_waiter*>& peer_slot, bool sleeper_fences_us) {
  // Orders the publication before the load below; pairs with the sleeper's heavy_fence.
  Platform::light_fence(sleeper_fences_us);
  // relaxed: the fence above does the ordering; a plain load keeps the common path free of a
  // read-modify-write while nobody sleeps.
  if (sleep_word.load(std::memory_order_relaxed) == static_cast<std::uint32_t>(sleep_state::awake))
    return false;
  return wake_announced_peer<Platform>(sleep_word, peer_slot);
}

} // namespace ringpipe::core
