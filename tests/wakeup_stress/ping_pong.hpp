// One ping-pong of the wake-up stress test: a main side pushes a number on a request queue and pops
// it back from a reply queue, an echo side pops each request and pushes it back. Every operation finds
// its queue empty, so nearly every one sleeps (blocking) or parks (asynchronous): a lost wake-up stops
// the ping-pong for good.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ringpipe::stress {

enum class side_kind { blocking, async };

struct shape {
  side_kind main_side = side_kind::blocking;
  side_kind echo_side = side_kind::blocking;
  bool across_processes = false;
  // Starts (and joins) a short-lived thread before the first ring exists: the shape of every Asio
  // server that starts its thread pool first, and the one that lost wake-ups under membarrier's
  // global command (docs/design.md, "The lost wake-up of 658e7af").
  bool thread_first = false;
  // Each side works for up to this long (a random time each round trip) before it answers, longer than
  // the spin before sleeping: so the other side sleeps or parks on nearly every operation, and its
  // announcement meets the answer's publication at every phase.
  unsigned think_us = 0;
};

// "blocking/async in one process, thread first" and so on: what a failure report names.
std::string describe(const shape& s);

// The command-line spelling of a side, and back; throws std::invalid_argument for anything else.
std::string_view kind_name(side_kind kind);
side_kind parse_kind(std::string_view name);

// Runs a short-lived thread that keeps a CPU busy for a moment, so it likely runs on another CPU.
void start_thread_first();

// The main side, in this process: `round_trips` round trips, with the echo side on a thread of this
// process or in a peer process started from `self` (this program). Writes one byte to `progress_fd`
// every progress_every round trips. Throws on any wrong value or error.
inline constexpr std::uint64_t progress_every = 1024;
void run_main(const shape& s, std::uint64_t round_trips, int progress_fd, const std::string& self);

// How the echo process exits when it had late wake-ups of its own.
inline constexpr int late_wakeups_exit = 3;

// The echo side in a peer process: attaches to the named queues and echoes until end of stream.
void run_peer(const shape& s, const std::string& requests, const std::string& replies);

} // namespace ringpipe::stress
