#include <atomic>
#include <mutex>

#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ringpipe/core/platform.hpp"

namespace ringpipe::core {
namespace {

long membarrier(int command) noexcept { return ::syscall(SYS_membarrier, command, 0, 0); }

bool global_expedited_supported() noexcept {
  static const bool supported = [] {
    const long commands = membarrier(MEMBARRIER_CMD_QUERY);
    return commands > 0 && (commands & MEMBARRIER_CMD_GLOBAL_EXPEDITED) != 0;
  }();
  return supported;
}

void register_process() noexcept {
  const bool registered =
      global_expedited_supported() && membarrier(MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED) == 0;
  // relaxed: the registration is complete in the kernel once the call returned, so a thread that sees
  // the flag set already receives every barrier sent after it.
  linux_platform::asymmetric_fences.store(registered, std::memory_order_relaxed);
}

} // namespace

void linux_platform::heavy_fence() noexcept {
  // A process need not be registered to send the barrier, only to receive it. The system call is also
  // a full barrier on the calling thread, which is what the announce needs on this side.
  if (global_expedited_supported() && membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED) == 0) return;
  std::atomic_thread_fence(std::memory_order_seq_cst);
}

void linux_platform::enable_asymmetric_fences() noexcept {
  // Once per process image: a forked child keeps the registration with its copy of the address space,
  // and exec clears both the registration and this flag.
  static std::once_flag once;
  std::call_once(once, register_process);
}

} // namespace ringpipe::core
