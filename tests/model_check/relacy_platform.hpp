// The core's platform under Relacy: atomics, futexes and the types the core instantiates on them, so
// that the checker runs the core's own code. With RINGPIPE_MODEL_CHECK_PLANT_BUG set, the adapter weakens
// one of the operations the core asks for (see the values below), and the check must fail.
//
// Relacy defines new, delete, assert, $, memory_order_relaxed and more as macros: this header includes
// it last, and a file that includes this header includes every other header before it.
#pragma once

#include <atomic>
#include <cstdint>
#include <source_location>
#include <type_traits>

#include "ringpipe/core/cursors.hpp"
#include "ringpipe/core/layout.hpp"
#include "ringpipe/core/remote_wake_relay.hpp"
#include "ringpipe/core/wait.hpp"

#include <relacy/relacy.hpp>

namespace ringpipe::model_check {

namespace core = ringpipe::core;

// Written as std::memory_order::x: the macros make std::memory_order_x unusable from here on.
inline rl::memory_order relacy_order(std::memory_order order) {
  switch (order) {
  case std::memory_order::relaxed: return rl::mo_relaxed;
  case std::memory_order::consume: return rl::mo_consume;
  case std::memory_order::acquire: return rl::mo_acquire;
  case std::memory_order::release: return rl::mo_release;
  case std::memory_order::acq_rel: return rl::mo_acq_rel;
  case std::memory_order::seq_cst: return rl::mo_seq_cst;
  }
  RL_ASSERT(!"unknown memory order");
  return rl::mo_seq_cst;
}

// Relacy's history names the core's line that made each access, not this adapter's.
inline rl::debug_info caller(const std::source_location& where) {
  return {"", where.file_name(), where.line()};
}

// The thread whose next heavy fence planted bug 3 skips; no thread when it is -1.
inline int parked_announcer = -1;

// The part of std::atomic the core uses, forwarding to Relacy's checked atomic.
template <class T>
class relacy_atomic {
public:
  // Zero, like a value-initialised std::atomic: the creator's `ring_header{}` relies on it.
  relacy_atomic() : atomic_(T{}) {}

  T load(std::memory_order order, std::source_location where = std::source_location::current()) const {
#if RINGPIPE_MODEL_CHECK_PLANT_BUG == 2
    // Planted data race: acquire demoted to relaxed, so a side can see the peer's new position without
    // the peer's accesses to the bytes that position hands over.
    if (order == std::memory_order::acquire) order = std::memory_order::relaxed;
#endif
    return atomic_.load(relacy_order(order), caller(where));
  }

  void store(T value, std::memory_order order, std::source_location where = std::source_location::current()) {
#if RINGPIPE_MODEL_CHECK_PLANT_BUG == 3
    // Planted lost resumption, part one: remember who announced a parked operation (a sleep word is the
    // only 32-bit atomic ever set to 2), so that relacy_platform::heavy_fence skips that side's fence.
    if constexpr (std::is_same_v<T, std::uint32_t>)
      if (value == static_cast<std::uint32_t>(core::sleep_state::parked))
        parked_announcer = rl::thread_index();
#endif
    atomic_.store(value, relacy_order(order), caller(where));
  }

  T exchange(T value, std::memory_order order, std::source_location where = std::source_location::current()) {
#if RINGPIPE_MODEL_CHECK_PLANT_BUG == 5
    // Planted unpublished waiter: the exchanges that take a parked operation out of its slot demoted from
    // acq_rel to relaxed. Still only one taker, but it reads the operation without a happens-before edge
    // to the parking side's writes.
    if constexpr (std::is_pointer_v<T>)
      if (order == std::memory_order::acq_rel) order = std::memory_order::relaxed;
#endif
#if RINGPIPE_MODEL_CHECK_PLANT_BUG == 7
    // Planted lost arm: the relay's arm() (the only exchange of a 32-bit atomic to 1) as a
    // compare-exchange from idle, which writes nothing when the command is still armed. A relay
    // that is just resetting it to idle may then miss the operation parked meanwhile.
    if constexpr (std::is_same_v<T, std::uint32_t>)
      if (value == 1) {
        T expected = 0;
        atomic_.compare_exchange_strong(expected, value, rl::mo_acq_rel, caller(where), rl::mo_relaxed,
                                        caller(where));
        return expected;
      }
#endif
    return atomic_.exchange(value, relacy_order(order), caller(where));
  }

  bool compare_exchange_strong(T& expected, T desired, std::memory_order success, std::memory_order failure,
                               std::source_location where = std::source_location::current()) {
#if RINGPIPE_MODEL_CHECK_PLANT_BUG == 4
    // Planted double resumption: the compare-exchange split into a load and a store, so a cancellation
    // can take back an operation that the peer's wake takes out of the slot in between.
    static_cast<void>(success);
    static_cast<void>(failure);
    const T current = atomic_.load(rl::mo_acquire, caller(where));
    if (current != expected) {
      expected = current;
      return false;
    }
    atomic_.store(desired, rl::mo_release, caller(where));
    return true;
#else
#if RINGPIPE_MODEL_CHECK_PLANT_BUG == 8
    // Planted sleep after stop: the relay's stop() does not withdraw the `parked` announcement (the only
    // compare-exchange from parked to awake), so a watching thread that missed the stop sleeps on it.
    if constexpr (std::is_same_v<T, std::uint32_t>)
      if (expected == static_cast<T>(core::sleep_state::parked) &&
          desired == static_cast<T>(core::sleep_state::awake))
        return false;
#endif
    return atomic_.compare_exchange_strong(expected, desired, relacy_order(success), caller(where),
                                           relacy_order(failure), caller(where));
#endif
  }

private:
  rl::atomic<T> atomic_;
};

struct relacy_atomics {
  template <class T>
  using atomic = relacy_atomic<T>;
};

// The kernel's side of the futexes, reduced to what the protocol relies on: futex_wait compares the
// word and queues the caller atomically with respect to futex_wake. One lock and one queue serve both
// sleep words; a wake meant for the other word is a spurious wake-up, which futex_wait allows anyway.
struct simulated_futex {
  rl::mutex lock;
  rl::condition_variable sleepers;
};

struct relacy_platform {
  using atomics = relacy_atomics;

  // No spinning: every wait goes through the announce, recheck and sleep, where a wake-up can be lost.
  static constexpr unsigned spin_limit = 0;
  static void cpu_relax() noexcept {}

  // What the Linux pair (a compiler barrier and membarrier, for a sleeper in the waker's process) or a
  // full fence (for one that may be in another) guarantees is what two seq_cst fences do.
  static void light_fence(bool /*sleeper_fences_us*/,
                          std::source_location where = std::source_location::current()) {
#if RINGPIPE_MODEL_CHECK_PLANT_BUG == 6
    // Planted lost wake-up: the waker's half of the fence gone, so its load of the sleep word may run
    // ahead of its publication (store buffering) and miss a sleeper whose recheck missed the publication.
    static_cast<void>(where);
#else
    rl::atomic_thread_fence(rl::mo_seq_cst, caller(where));
#endif
  }

  // The model's fences are the same either way (see light_fence).
  static bool asymmetric_fences() noexcept { return true; }

  static void heavy_fence(std::source_location where = std::source_location::current()) {
#if RINGPIPE_MODEL_CHECK_PLANT_BUG == 1
    // Planted lost wake-up: the sleeper's half of the fence gone, the same store buffering seen from
    // the other side.
    static_cast<void>(where);
    return;
#elif RINGPIPE_MODEL_CHECK_PLANT_BUG == 3
    // Planted lost resumption, part two: the same, for a parking operation only; its victim is an
    // operation left in its slot with nobody to take it.
    if (parked_announcer == static_cast<int>(rl::thread_index())) {
      parked_announcer = -1;
      return;
    }
#endif
    rl::atomic_thread_fence(rl::mo_seq_cst, caller(where));
  }

  // Deadlines are not modelled, so this never times out. Only the relay passes one, for its checks on
  // the peer's liveness; without the timeout a lost wake-up of the relay shows as a deadlock instead
  // of hiding behind the next check.
  static bool futex_wait(relacy_atomic<std::uint32_t>& word, std::uint32_t expected, const core::deadline&) {
    futex->lock.lock($);
    if (word.load(std::memory_order::seq_cst) == expected) futex->sleepers.wait(futex->lock, $);
    futex->lock.unlock($);
    return true;
  }

  // Only a sleep that times out rechecks late, and no deadline expires in the model.
  static void note_late_wakeup() { RL_ASSERT(!"a late wake-up without a deadline"); }

  static void futex_wake(relacy_atomic<std::uint32_t>&) {
    futex->lock.lock($);
    futex->sleepers.notify_all($);
    futex->lock.unlock($);
  }

  // The futexes of the ring under test; set by ring_fixture for the length of one Relacy iteration.
  static inline simulated_futex* futex = nullptr;
};

using header = core::basic_ring_header<relacy_atomics>;
using waiter_slots = core::basic_waiter_slots<relacy_atomics>;
using producer = core::basic_producer<relacy_platform>;
using consumer = core::basic_consumer<relacy_platform>;
using remote_wake_relay = core::basic_remote_wake_relay<relacy_platform>;

} // namespace ringpipe::model_check
