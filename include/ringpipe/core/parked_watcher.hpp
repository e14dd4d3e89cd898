// How an asynchronous operation parked in this process is woken by a peer in another process.
//
// The peer cannot reach our waiter slot (it is process-local memory), so when it resets a `parked`
// sleep word and finds its own slot empty it calls futex_wake on the word (wake_peer). A watcher
// thread of ours sleeps on that word while an operation is parked, takes the operation out of the slot
// when woken, and wakes it, which posts it to its executor. The watcher also checks on the peer every
// liveness_interval, so a parked operation learns of a dead peer too. One thread per endpoint that
// has a remote peer, started at its first park and sleeping (no polling) while nothing is parked.
// What the thread does is core::basic_parked_watch (parked_watch.hpp), which the model checker runs.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <thread>

#include "ringpipe/core/parked_watch.hpp"
#include "ringpipe/core/platform.hpp"

namespace ringpipe::core {

class parked_watcher {
public:
  parked_watcher(std::atomic<std::uint32_t>& sleep_word, std::atomic<parked_waiter*>& slot,
                 std::function<bool()> peer_alive, std::function<void()> peer_died);
  parked_watcher(const parked_watcher&) = delete;
  parked_watcher& operator=(const parked_watcher&) = delete;
  // Stops and joins the thread: only once nothing of this side is parked (see basic_parked_watch::stop).
  ~parked_watcher();

  // Called after an operation parked: watch the sleep word until the operation leaves the slot.
  void arm() { watch_.arm(); }

private:
  basic_parked_watch<linux_platform> watch_;
  std::thread thread_;
};

} // namespace ringpipe::core
