// An endpoint's statistics as it counts them (see endpoint_statistics.hpp). One thread counts at a time
// (the endpoint's calls, or its one asynchronous operation, handed between threads through the
// executor); any thread may read them.
#pragma once

#include <atomic>
#include <cstdint>

#include "ringpipe/core/wait.hpp"
#include "ringpipe/endpoint_statistics.hpp"

namespace ringpipe::detail {

class endpoint_counters {
public:
  // A transfer of `bytes`, and whether publishing it took a futex call to wake the peer.
  void moved(std::uint64_t bytes, bool woke_peer) noexcept {
    add(operations_, 1);
    add(counted_bytes_, bytes);
    if (woke_peer) add(futex_calls_, 1);
  }

  // A queue's one-element fast path (element_attempts.hpp) stores nothing unless it woke the peer: its
  // operations are the bytes the position moved beyond those counted above, one element each (see
  // snapshot). A store per element into a counter measured 2.4x fewer elements per second between two
  // pinned threads: the producer, a little slower, no longer ran ahead of its consumer (bench/README.md,
  // section 3).
  void moved_one_element(bool woke_peer) noexcept {
    if (woke_peer) add(futex_calls_, 1);
  }

  // A call or operation found the ring full (writer) or empty (reader) and waits.
  void must_wait() noexcept { add(waits_, 1); }
  // The spin before sleeping or parking found the ring ready.
  void spin_succeeded() noexcept { add(spins_succeeded_, 1); }
  void parked() noexcept { add(parks_, 1); }

  // What a blocking wait did.
  void waited(const core::wait_report& report) noexcept {
    if (report.spun_ready) add(spins_succeeded_, 1);
    add(sleeps_, report.sleeps);
    add(futex_calls_, report.sleeps);
    add(late_wakeups_, report.late_wakeups);
  }

  // `bytes`: what this side moved, from its position; `element_size`: the ring's (1 for bytes);
  // `swept_late`: the lost wake-ups of parked operations that the sweep made up for (counted there).
  // Read by another thread while this side moves data, the operations may be off by the one in flight.
  endpoint_statistics snapshot(std::uint64_t bytes, std::uint64_t element_size,
                               std::uint64_t swept_late) const noexcept {
    const std::uint64_t counted = read(counted_bytes_);
    const std::uint64_t one_element_operations = bytes > counted ? (bytes - counted) / element_size : 0;
    return {bytes,
            read(operations_) + one_element_operations,
            read(waits_),
            read(spins_succeeded_),
            read(sleeps_),
            read(parks_),
            read(futex_calls_),
            read(late_wakeups_) + swept_late};
  }

private:
  using counter = std::atomic<std::uint64_t>;

  // relaxed, a load then a store: only one thread counts at a time, so no read-modify-write (a locked
  // instruction) on the data path; readers on other threads only need a value that was once true.
  static void add(counter& c, std::uint64_t n) noexcept {
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  static std::uint64_t read(const counter& c) noexcept { return c.load(std::memory_order_relaxed); }

  counter operations_{0};    // but those of the one-element fast path
  counter counted_bytes_{0}; // moved by the operations counted in operations_
  counter waits_{0};
  counter spins_succeeded_{0};
  counter sleeps_{0};
  counter parks_{0};
  counter futex_calls_{0};
  counter late_wakeups_{0};
};

} // namespace ringpipe::detail
