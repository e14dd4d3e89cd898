#include "ringpipe/core/parked_watcher.hpp"

#include <chrono>

#include "ringpipe/core/liveness.hpp"
#include "ringpipe/core/platform.hpp"

namespace ringpipe::core {
namespace {

constexpr std::uint32_t idle = 0, armed = 1, stopping = 2;

} // namespace

parked_watcher::parked_watcher(std::atomic<std::uint32_t>& sleep_word, std::atomic<parked_waiter*>& slot,
                               std::function<bool()> peer_alive, std::function<void()> peer_died)
    : sleep_word_(sleep_word), slot_(slot), peer_alive_(std::move(peer_alive)),
      peer_died_(std::move(peer_died)), thread_([this] { run(); }) {}

parked_watcher::~parked_watcher() {
  // seq_cst: ordered before the wakes below, so the thread cannot miss it (it rechecks after waking).
  command_.store(stopping, std::memory_order_seq_cst);
  linux_platform::futex_wake(command_);
  linux_platform::futex_wake(sleep_word_);
  thread_.join();
}

void parked_watcher::arm() {
  std::uint32_t expected = idle;
  // acq_rel: the watcher that takes the command sees the operation the caller just parked.
  if (command_.compare_exchange_strong(expected, armed, std::memory_order_acq_rel, std::memory_order_relaxed))
    linux_platform::futex_wake(command_);
}

void parked_watcher::run() {
  for (;;) {
    // acquire: pairs with arm()'s exchange.
    const std::uint32_t command = command_.load(std::memory_order_acquire);
    if (command == stopping) return;
    if (command == idle) {
      linux_platform::futex_wait(command_, idle, {});
      continue;
    }
    watch();
    std::uint32_t expected = armed;
    // acq_rel: an arm() after this sees idle and wakes us again.
    command_.compare_exchange_strong(expected, idle, std::memory_order_acq_rel, std::memory_order_relaxed);
    // An operation parked while we were finishing: look again before sleeping.
    // acquire: see the waiter published by park_for_peer.
    if (slot_.load(std::memory_order_acquire) != nullptr) arm();
  }
}

// Until the parked operation leaves the slot (taken by us, a local waker, a cancel or a close).
void parked_watcher::watch() {
  const auto parked = static_cast<std::uint32_t>(sleep_state::parked);
  // acquire: see the waiter published by park_for_peer.
  while (slot_.load(std::memory_order_acquire) != nullptr) {
    // relaxed: the stop flag only has to be seen eventually; the destructor wakes us after setting it.
    if (command_.load(std::memory_order_relaxed) == stopping) return;
    // seq_cst: the same total order as wake_peer's exchange of the word.
    if (sleep_word_.load(std::memory_order_seq_cst) != parked) {
      // acq_rel: settles the race with a local waker, a cancel or a close, as they do.
      if (parked_waiter* waiter = slot_.exchange(nullptr, std::memory_order_acq_rel)) waiter->wake();
      return;
    }
    if (!linux_platform::futex_wait(sleep_word_, parked,
                                    std::chrono::steady_clock::now() + liveness_interval) &&
        !peer_alive_()) {
      peer_died_();
      if (parked_waiter* waiter = slot_.exchange(nullptr, std::memory_order_acq_rel)) waiter->wake();
      return;
    }
  }
}

} // namespace ringpipe::core
