// The driver of the wake-up stress test: every shape, each in fresh processes, under a watchdog.
#pragma once

#include <cstdint>
#include <string>

namespace ringpipe::stress {

// The defaults are CI's run, about a minute on two CPUs; README.md shows a soak.
struct driver_options {
  unsigned fence_runs = 10;
  unsigned runs = 8;
  std::uint64_t round_trips = 4000;
  unsigned think_us = 10;
  unsigned stall_ms = 3000;
  std::string only;
};

// Runs `fence_runs` fresh processes of `self fence-reach` with and without a thread first (unless
// `only` narrows the run to some ping-pongs), then `runs` fresh processes of `self run …` per shape, one at a
// time, and prints a line per shape. A run fails when it makes no progress for stall_ms (it is killed, with
// its peer, and its shape named), exits with an error, or reports a late wake-up. Returns the process exit
// code: 0 when every run passed, 1 otherwise.
int drive_all_shapes(const driver_options& options, const std::string& self);

} // namespace ringpipe::stress
