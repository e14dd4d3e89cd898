// How an asynchronous operation parked in this process is woken by a peer in another process.
//
// The peer cannot reach our waiter slot (it is process-local memory), so when it resets a `parked`
// sleep word and finds its own slot empty it calls futex_wake on the word (wake_peer). A relay
// thread of ours sleeps on that word while an operation is parked, takes the operation out of the slot
// when woken, and wakes it, which posts it to its executor. The relay thread also checks on the peer every
// liveness_interval, so a parked operation learns of a dead peer too. One thread per endpoint that
// has a remote peer, started at its first park and sleeping (no polling) while nothing is parked.
// What the thread does is core::basic_remote_wake_relay (remote_wake_relay.hpp), which the model checker
// runs.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <thread>

#include "ringpipe/core/platform.hpp"
#include "ringpipe/core/remote_wake_relay.hpp"

namespace ringpipe::core {

class remote_wake_thread {
public:
  remote_wake_thread(std::atomic<std::uint32_t>& sleep_word, std::atomic<async_waiter*>& slot,
                     std::function<bool()> peer_alive, std::function<void()> peer_died,
                     std::chrono::milliseconds check_interval);
  remote_wake_thread(const remote_wake_thread&) = delete;
  remote_wake_thread& operator=(const remote_wake_thread&) = delete;
  // Stops and joins the thread: only once nothing of this side is parked (see basic_remote_wake_relay::stop).
  ~remote_wake_thread();

  // Called after an operation parked: watch the sleep word until the operation leaves the slot.
  void arm() { relay_.arm(); }

private:
  basic_remote_wake_relay<linux_platform> relay_;
  std::thread thread_;
};

} // namespace ringpipe::core
