// The bounded recheck of parked asynchronous operations (defence in depth against a lost wake-up).
//
// A sleeping thread looks at its ring again every recheck_interval by itself (wait_for_peer). A parked
// operation has no thread, so one thread per process looks for it: every recheck_interval it visits
// each endpoint side of this process that has ever parked, and resumes an operation that has stayed
// parked across a whole interval while its ring was ready (room to write, data to read, or the peer
// closed). Such an operation lost its wake-up: it is counted (late_wakeup_count) and resumed, a delay
// of one or two intervals instead of a hang. The thread starts at the first park in the process, and
// waits without a timer while no side is registered.
//
// The sweeper takes an operation out of its slot with the same exchanges as a waker (wake_peer), so
// the slot still settles every race: whoever takes the operation resumes it, exactly once.
#pragma once

#include <atomic>
#include <cstdint>

#include "ringpipe/core/layout.hpp"
#include "ringpipe/core/liveness.hpp"
#include "ringpipe/core/wait.hpp"

namespace ringpipe::core {

class sweeper_entry {
public:
  // One side of a ring: its header, its waiter slot and the fill limit checked when attaching (the
  // shared copy is not trusted). All must outlive this object.
  sweeper_entry(ring_header& header, role side, std::uint64_t fill_limit,
                std::atomic<async_waiter*>& slot) noexcept;
  sweeper_entry(const sweeper_entry&) = delete;
  sweeper_entry& operator=(const sweeper_entry&) = delete;
  // Leaves the sweep, after a visit in progress has finished.
  ~sweeper_entry();

  // Before each park of this side's operation: joins the sweep the first time, and marks a new
  // parking, so that the sweeper never takes one that began since its previous visit for a stuck one.
  void before_park();

  // Called by the sweeper, under its lock, every recheck_interval.
  void visit() noexcept;

  // The lost wake-ups of this side's operations that the sweep made up for.
  std::uint64_t late_wakeups() const noexcept {
    // relaxed: a statistic, counted by the sweeper's thread.
    return late_wakeups_.load(std::memory_order_relaxed);
  }

private:
  bool ring_ready() const noexcept;

  ring_header& header_;
  role side_;
  std::uint64_t fill_limit_;
  std::atomic<std::uint32_t>& sleep_word_;
  std::atomic<async_waiter*>& slot_;
  std::atomic<std::uint64_t> parkings_{0};
  std::atomic<bool> joined_{false};
  std::atomic<std::uint64_t> late_wakeups_{0};
  std::uint64_t parkings_at_last_visit_ = 0; // the sweeper's alone
};

} // namespace ringpipe::core
