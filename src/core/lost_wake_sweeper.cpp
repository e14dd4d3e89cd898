#include "ringpipe/core/lost_wake_sweeper.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include <pthread.h>

#include "ringpipe/core/platform.hpp"

namespace ringpipe::core {
namespace {

class lost_wake_sweeper {
public:
  // Never destroyed: endpoints may leave it during static destruction, and its thread never ends. A
  // forked child makes its own: its parent's thread did not survive the fork, and its lock may be held.
  static lost_wake_sweeper& of_this_process() {
    static std::atomic<lost_wake_sweeper*> current{nullptr};
    static std::once_flag fork_handler;
    std::call_once(fork_handler, [] {
      // relaxed: the child has one thread when this runs.
      ::pthread_atfork(nullptr, nullptr, [] { current.store(nullptr, std::memory_order_relaxed); });
    });
    // acquire: pairs with the release below, so the sweeper is seen fully built.
    lost_wake_sweeper* sweeper = current.load(std::memory_order_acquire);
    if (sweeper) return *sweeper;
    auto* fresh = new lost_wake_sweeper;
    // acq_rel: publishes ours, or acquires the one that won.
    if (current.compare_exchange_strong(sweeper, fresh, std::memory_order_acq_rel, std::memory_order_acquire))
      return *fresh;
    delete fresh;
    return *sweeper;
  }

  void add(sweeper_entry* side) {
    const std::lock_guard lock(mutex_);
    sides_.push_back(side);
    if (!running_) {
      std::thread([this] { run(); }).detach();
      running_ = true;
    }
    changed_.notify_one();
  }

  void remove(sweeper_entry* side) {
    const std::lock_guard lock(mutex_);
    sides_.erase(std::remove(sides_.begin(), sides_.end(), side), sides_.end());
  }

private:
  void run() {
    std::unique_lock lock(mutex_);
    for (;;) {
      changed_.wait(lock, [this] { return !sides_.empty(); });
      // A whole interval between two visits, whatever joins or leaves meanwhile: a parking seen on two
      // consecutive visits has lasted at least that long.
      const auto next_visit = std::chrono::steady_clock::now() + recheck_interval;
      while (changed_.wait_until(lock, next_visit) != std::cv_status::timeout) {
      }
      for (sweeper_entry* side : sides_)
        side->visit();
    }
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<sweeper_entry*> sides_;
  bool running_ = false;
};

} // namespace

sweeper_entry::sweeper_entry(ring_header& header, role side, std::uint64_t fill_limit,
                             std::atomic<async_waiter*>& slot) noexcept
    : header_(header), side_(side), fill_limit_(fill_limit),
      sleep_word_(side == role::writer ? header.writer_sleep : header.reader_sleep), slot_(slot) {}

sweeper_entry::~sweeper_entry() {
  // relaxed: set by this side's own parks, which happened before its endpoint is destroyed.
  if (joined_.load(std::memory_order_relaxed)) lost_wake_sweeper::of_this_process().remove(this);
}

void sweeper_entry::before_park() {
  // relaxed: the sweeper reads it after an acquire load of the slot, which the park's release store
  // of the operation (next, on this thread) orders after this increment.
  parkings_.fetch_add(1, std::memory_order_relaxed);
  // relaxed: only this side's parks, one at a time, set it.
  if (!joined_.exchange(true, std::memory_order_relaxed)) lost_wake_sweeper::of_this_process().add(this);
}

void sweeper_entry::visit() noexcept {
  constexpr auto parked = static_cast<std::uint32_t>(sleep_state::parked);
  constexpr auto awake = static_cast<std::uint32_t>(sleep_state::awake);
  // acquire: pairs with park_for_peer's release store, so the count of a parking whose operation is
  // in the slot is seen too (see before_park).
  async_waiter* const waiting = slot_.load(std::memory_order_acquire);
  // relaxed: ordered by the acquire above.
  const std::uint64_t parkings = parkings_.load(std::memory_order_relaxed);
  const bool same_parking = waiting != nullptr && parkings == parkings_at_last_visit_;
  parkings_at_last_visit_ = parkings;
  // relaxed: a word already reset means a waker is on its way; the exchanges below settle any race.
  if (!same_parking || sleep_word_.load(std::memory_order_relaxed) != parked || !ring_ready()) return;
  // Parked across a whole interval on a ready ring, and no waker came: its wake-up was lost.
  // acq_rel, both: the exchanges of wake_peer, which they race with; only one side takes the operation.
  if (sleep_word_.exchange(awake, std::memory_order_acq_rel) != parked) return;
  if (async_waiter* waiter = slot_.exchange(nullptr, std::memory_order_acq_rel)) {
    linux_platform::note_late_wakeup();
    // relaxed: a statistic.
    late_wakeups_.fetch_add(1, std::memory_order_relaxed);
    waiter->wake();
  }
}

bool sweeper_entry::ring_ready() const noexcept {
  // relaxed, all: this only decides whether to resume the operation, whose next attempt reads the
  // positions again with acquire; a hostile value can at most cause a harmless extra attempt.
  const std::uint64_t written = header_.write_position.load(std::memory_order_relaxed);
  const std::uint64_t read = header_.read_position.load(std::memory_order_relaxed);
  if (side_ == role::reader)
    return written != read || header_.writer_closed.load(std::memory_order_relaxed) != 0;
  return written - read < fill_limit_ || header_.reader_closed.load(std::memory_order_relaxed) != 0;
}

} // namespace ringpipe::core
