// What the relay thread of a cross-process parking does (see remote_wake_thread.hpp for why it exists and the
// thread that runs it), templated on the platform so that the model checker runs this very code.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <utility>

#include "ringpipe/core/layout.hpp"
#include "ringpipe/core/liveness.hpp"
#include "ringpipe/core/wait.hpp"

namespace ringpipe::core {

template <class Platform>
class basic_remote_wake_relay {
public:
  template <class T>
  using atomic = typename Platform::atomics::template atomic<T>;

  // `peer_alive` is asked every `check_interval` while an operation is parked; `peer_died` is called
  // on the watching thread when the peer is found dead then, before the operation is woken.
  basic_remote_wake_relay(atomic<std::uint32_t>& sleep_word, atomic<async_waiter*>& slot,
                          std::function<bool()> peer_alive, std::function<void()> peer_died,
                          std::chrono::milliseconds check_interval = liveness_interval)
      : sleep_word_(sleep_word), slot_(slot), peer_alive_(std::move(peer_alive)),
        peer_died_(std::move(peer_died)), check_interval_(check_interval) {}

  // Called after an operation parked (never after stop()): watch the sleep word until the operation
  // leaves the slot.
  void arm() {
    // acq_rel, and a write even when already armed: whichever of this and the watching thread's reset
    // to idle comes second sees the other's side. After the reset, this sees idle and wakes the thread;
    // before it, the reset reads this write and then finds the operation in the slot.
    if (command_.exchange(armed, std::memory_order_acq_rel) == idle) Platform::futex_wake(command_);
  }

  // Makes run() return. Only once nothing of this side is parked any more (its endpoint closed and no
  // operation holds its state): the stale `parked` announcement is withdrawn, so that the watching
  // thread cannot go to sleep on it after missing the stop.
  void stop() {
    // release: a watching thread that sees it has seen the slot emptied before.
    command_.store(stopping, std::memory_order_release);
    auto announced = static_cast<std::uint32_t>(sleep_state::parked);
    // relaxed: the futex compares the word itself; the peer only learns that nobody waits here.
    sleep_word_.compare_exchange_strong(announced, static_cast<std::uint32_t>(sleep_state::awake),
                                        std::memory_order_relaxed, std::memory_order_relaxed);
    Platform::futex_wake(command_);
    Platform::futex_wake(sleep_word_);
  }

  // The watching thread's body: sleeps while nothing is parked, watches while something is, returns
  // after stop().
  void run() {
    for (;;) {
      // acquire: pairs with arm()'s exchange and stop()'s store.
      const std::uint32_t command = command_.load(std::memory_order_acquire);
      if (command == stopping) return;
      if (command == idle) {
        Platform::futex_wait(command_, idle, {});
        continue;
      }
      watch();
      std::uint32_t expected = armed;
      // acq_rel: pairs with arm()'s exchange (see there). Fails only when stopping.
      if (!command_.compare_exchange_strong(expected, idle, std::memory_order_acq_rel,
                                            std::memory_order_relaxed))
        continue;
      // An operation parked while we were finishing, whose arm() came before the reset: watch again.
      // acquire: see the waiter published by park_for_peer.
      if (slot_.load(std::memory_order_acquire) != nullptr) {
        expected = idle;
        // relaxed: only this thread acts on it, right after; an arm() meanwhile set the same value.
        command_.compare_exchange_strong(expected, armed, std::memory_order_relaxed,
                                         std::memory_order_relaxed);
      }
    }
  }

private:
  static constexpr std::uint32_t idle = 0, armed = 1, stopping = 2;

  // Until the parked operation leaves the slot (taken by us, a local waker, a cancel or a close).
  void watch() {
    const auto parked = static_cast<std::uint32_t>(sleep_state::parked);
    // acquire: see the waiter published by park_for_peer.
    while (slot_.load(std::memory_order_acquire) != nullptr) {
      // relaxed: stop() also withdraws the announcement and wakes the word, so a late look is harmless.
      if (command_.load(std::memory_order_relaxed) == stopping) return;
      // acquire: the waker's exchange to awake released what it published, for the resumed operation.
      if (sleep_word_.load(std::memory_order_acquire) != parked) {
        take_and_wake();
        return;
      }
      if (!Platform::futex_wait(sleep_word_, parked, std::chrono::steady_clock::now() + check_interval_) &&
          !peer_alive_()) {
        peer_died_();
        take_and_wake();
        return;
      }
    }
  }

  void take_and_wake() {
    // acq_rel: settles the race with a local waker, a cancel or a close, as they do.
    if (async_waiter* waiter = slot_.exchange(nullptr, std::memory_order_acq_rel)) waiter->wake();
  }

  atomic<std::uint32_t>& sleep_word_;
  atomic<async_waiter*>& slot_;
  std::function<bool()> peer_alive_;
  std::function<void()> peer_died_;
  std::chrono::milliseconds check_interval_;
  // A private futex word: idle (nothing to do), armed or stopping. Zero, idle, when constructed.
  atomic<std::uint32_t> command_{};
};

} // namespace ringpipe::core
