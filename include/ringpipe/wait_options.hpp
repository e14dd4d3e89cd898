// How an endpoint waits when the ring is full (writer) or empty (reader): how long it spins before it
// sleeps or parks, and how often a waiting side checks that its peer's process is still alive.
#pragma once

#include <chrono>

#include "ringpipe/core/liveness.hpp"
#include "ringpipe/core/wait.hpp"

namespace ringpipe {

/// How an endpoint waits. Set for every endpoint of a ring through ring_options::waiting, or for one
/// endpoint with its set_wait_options().
struct wait_options {
  /// How long a blocking call or an asynchronous operation that must wait keeps rereading the peer's
  /// position before it sleeps on a futex or parks. A peer that publishes within it costs no system
  /// call and no wake-up; the time spun is CPU burned. 0 never spins: for an io_context thread that
  /// must not busy-wait, or when both sides share one CPU.
  std::chrono::nanoseconds spin = core::default_spin;
  /// How often a side waiting on a peer in another process checks that the peer is alive: the bound on
  /// noticing a dead peer (error::peer_dead, broken_pipe). Each check is one system call of a side that
  /// is already waiting; nothing is checked while data flows. At least 1 ms.
  std::chrono::milliseconds liveness_interval = core::liveness_interval;
};

} // namespace ringpipe
