// Whether a sleeper's heavy fence reaches a CPU on which a thread of this process runs, counted in the
// interrupts the kernel delivers there. A barrier that skips a running waker lets that waker's
// publication and its look at the sleep word be reordered, and the wake-up is lost. This is the
// root cause of issue 9 made deterministic: the ping-pong shows it only when a race also lines up.
#pragma once

#include <optional>
#include <string>

namespace ringpipe::stress {

struct fence_reach_result {
  unsigned barriers = 0;   // heavy fences sent while a thread of ours ran on the watched CPU
  unsigned interrupts = 0; // function-call interrupts that CPU received meanwhile
};

// Runs on two CPUs: a thread busy on the second while this one sends `barriers` heavy fences, in up
// to three windows, reporting the one that reached that CPU most. With
// `thread_first`, a short-lived thread ran on the second CPU before the first ring was mapped (and
// so before this process registered for membarrier). nullopt, with `why_not` set, where the check
// cannot run: fewer than two usable CPUs, no per-CPU interrupt counts in /proc/interrupts, or no
// process-private membarrier (then every fence is a full fence and nothing is skipped).
std::optional<fence_reach_result> measure_fence_reach(bool thread_first, unsigned barriers,
                                                      std::string& why_not);

} // namespace ringpipe::stress
