// The production platform for the core: std::atomic, Linux futexes and the CPU's spin hint.
// The model checker substitutes its own (tests/model_check), which is why the core is templated on it.
#pragma once

#include <atomic>
#include <cstdint>

#include "ringpipe/core/cursors.hpp"
#include "ringpipe/core/layout.hpp"
#include "ringpipe/core/wait.hpp"

namespace ringpipe::core {

struct linux_platform {
  using atomics = std_atomics;

  // No cap on spin rounds of its own: a spin is bounded by its time (see spin_for_peer).
  static constexpr unsigned spin_limit = ~0U;

  // The two halves of the asymmetric fence in wait.hpp. The data path pays only for light_fence; a side
  // about to sleep or park pays for heavy_fence, membarrier(2)'s process-private command, which makes
  // every CPU running a thread of this process execute a full barrier. That covers a waker in this
  // process only: `sleeper_fences_us` (see reader_fences_us in cursors.hpp) says the sleeper is a thread of
  // this process and the process registered; otherwise the waker runs a full fence itself, and the pair still
  // holds. Always inlined: it is on every commit and consume, and GCC at -O2 left it a call.
  [[gnu::always_inline]] static void light_fence(bool sleeper_fences_us) noexcept {
    if (sleeper_fences_us)
      std::atomic_signal_fence(std::memory_order_seq_cst);
    else
      std::atomic_thread_fence(std::memory_order_seq_cst);
  }
  static void heavy_fence() noexcept;

  // Registers this process for membarrier(2)'s process-private command, once, and if that worked lets
  // light_fence drop to a compiler barrier for wakers of this process's own threads. Called by every
  // mapping of a ring.
  static void enable_asymmetric_fences() noexcept;

  // Whether a sleeper's heavy_fence reaches a waker of the same process: whether this process
  // registered. Once true it stays true, so a waker may keep a "yes".
  [[gnu::always_inline]] static bool asymmetric_fences() noexcept {
    // relaxed: a flag set once, after the registration it stands for has completed.
    return asymmetric_fences_.load(std::memory_order_relaxed);
  }

  // Counts a late wake-up (see late_wakeup_count).
  static void note_late_wakeup() noexcept;

  static void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
  }

  // Sleeps while `word` holds `expected`, until woken or the deadline passes. Returns false only on
  // timeout; spurious returns are allowed (callers recheck). Shared, not private, futexes: the word
  // may live in memory mapped by several processes.
  static bool futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t expected, const deadline& until);

  // Wakes every thread sleeping on `word`, in this process or another.
  static void futex_wake(std::atomic<std::uint32_t>& word) noexcept;

private:
  // Set once by enable_asymmetric_fences; read-only to everyone else.
  static inline std::atomic<bool> asymmetric_fences_{false};
};

// Beside the platform, not beside their templates: cursors.hpp stays free of Linux so that the model
// check instantiates the same templates with its own platform.
using producer = basic_producer<linux_platform>;
using consumer = basic_consumer<linux_platform>;

// Futex system calls made by this process so far (waits and wakes). Tests and benchmarks use it to
// show that the data path makes none while nobody sleeps.
std::uint64_t futex_call_count() noexcept;

// Late wake-ups in this process so far: bounded rechecks of a sleeping thread or a parked operation
// that found its ring ready although no wake-up had come (docs/design.md, "Defence in depth"). Each is
// a lost wake-up that cost a delay instead of a hang; every stress test asserts that there were none.
std::uint64_t late_wakeup_count() noexcept;

} // namespace ringpipe::core
