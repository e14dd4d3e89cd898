#include <atomic>
#include <mutex>

#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ringpipe/core/platform.hpp"

namespace ringpipe::core {
namespace {

long membarrier(int command) noexcept { return ::syscall(SYS_membarrier, command, 0, 0); }

// The process-private command, not the global one: the global command interrupts only CPUs whose run
// queue carries a registered process's mark, and the scheduler refreshes that mark only when it
// switches address spaces. A CPU that ran one of our threads before we registered and then idled
// keeps our address space loaded, unmarked; our next thread there runs unmarked, and the barrier skips
// it (docs/design.md, "The lost wake-up of version 2"). The private command picks CPUs by the task
// they are running.
bool register_process() noexcept {
  const long commands = membarrier(MEMBARRIER_CMD_QUERY);
  return commands > 0 && (commands & MEMBARRIER_CMD_PRIVATE_EXPEDITED) != 0 &&
         membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0;
}

} // namespace

void linux_platform::heavy_fence() noexcept {
  // Unlike the global command, the private one may only be sent by a registered process (EPERM
  // otherwise). The system call is also a full barrier on the calling thread, which is what the
  // announce needs on this side when the waker is in another process and fences for itself.
  // acquire: pairs with register_process's release.
  if (asymmetric_fences_.load(std::memory_order_acquire) && membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0)
    return;
  std::atomic_thread_fence(std::memory_order_seq_cst);
}

void linux_platform::enable_asymmetric_fences() noexcept {
  // Once per process image: a forked child keeps the registration with its copy of the address space,
  // and exec clears both the registration and this flag.
  static std::once_flag once;
  std::call_once(once, [] {
    // release: pairs with heavy_fence's acquire, so a sender sees a completed registration. A waker
    // may read it relaxed: registration completed in the kernel before the store, so a thread that
    // sees the flag set already receives every barrier sent after it.
    asymmetric_fences_.store(register_process(), std::memory_order_release);
  });
}

} // namespace ringpipe::core
