// How an asynchronous operation parked in this process is woken by a peer in another process.
//
// The peer cannot reach our waiter slot (it is process-local memory), so when it resets a `parked`
// sleep word and finds its own slot empty it calls futex_wake on the word (wake_peer). A watcher
// thread of ours sleeps on that word while an operation is parked, takes the operation out of the slot
// when woken, and wakes it, which posts it to its executor. The watcher also checks on the peer every
// liveness_interval, so a parked operation learns of a dead peer too. One thread per endpoint that
// has a remote peer, started at its first park and sleeping (no polling) while nothing is parked.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <thread>

#include "ringpipe/core/wait.hpp"

namespace ringpipe::core {

class parked_watcher {
public:
  // `peer_died` is called on the watcher thread when the peer is found dead while an operation is
  // parked, before the operation is woken.
  parked_watcher(std::atomic<std::uint32_t>& sleep_word, std::atomic<parked_waiter*>& slot,
                 std::function<bool()> peer_alive, std::function<void()> peer_died);
  parked_watcher(const parked_watcher&) = delete;
  parked_watcher& operator=(const parked_watcher&) = delete;
  ~parked_watcher();

  // Called after an operation parked: watch the sleep word until the operation leaves the slot.
  void arm();

private:
  void run();
  void watch();

  std::atomic<std::uint32_t>& sleep_word_;
  std::atomic<parked_waiter*>& slot_;
  std::function<bool()> peer_alive_;
  std::function<void()> peer_died_;
  // A private futex word: 0 nothing to do, 1 armed, 2 stopping.
  std::atomic<std::uint32_t> command_{0};
  std::thread thread_;
};

} // namespace ringpipe::core
