// What an endpoint has done since it was made: cheap counters kept in the endpoint's own memory, never
// in the ring's shared header, so that counting adds no traffic between the two sides.
#pragma once

#include <cstdint>

namespace ringpipe {

/// An endpoint's counters, as returned by its statistics(). "Waits" are the writer's on a full ring and
/// the reader's on an empty one.
struct endpoint_statistics {
  std::uint64_t bytes = 0;           ///< bytes written or read (elements times their size, for queues)
  std::uint64_t operations = 0;      ///< calls and operations that moved data (commit, consume included)
  std::uint64_t waits = 0;           ///< times a call or operation found the ring full (empty) and waited
  std::uint64_t spins_succeeded = 0; ///< waits that the spin ended: no sleep, no park, no system call
  std::uint64_t sleeps = 0;          ///< futex sleeps of blocking calls (a wait may sleep more than once)
  std::uint64_t parks = 0;           ///< parkings of asynchronous operations
  std::uint64_t futex_calls = 0;     ///< futex system calls: this side's sleeps, and its wakes of the peer
  std::uint64_t late_wakeups = 0;    ///< wake-ups that never came and a bounded recheck made up for
};

} // namespace ringpipe
