// SIGINT and SIGTERM: the first stops the input and lets the outputs drain (exit 130), a second
// exits at once. SIGPIPE is ignored, so a closed output is an EPIPE error like any other.
#pragma once

#include <atomic>
#include <thread>

namespace ringpipe_cmd {

class transfer_state;

// Call first in main, before any thread starts: blocks SIGINT and SIGTERM in every thread (the watcher
// takes them with sigtimedwait), ignores SIGPIPE, and installs a handler for SIGUSR1 without
// SA_RESTART, blocked too: the watcher sends it to the process to break the input side's blocking
// read(2) with EINTR, and the input side is the one thread that unblocks it (input_interruptible).
void prepare_signals();

// While alive, the calling thread (the input side) takes SIGUSR1.
class input_interruptible {
public:
  input_interruptible();
  input_interruptible(const input_interruptible&) = delete;
  input_interruptible& operator=(const input_interruptible&) = delete;
  ~input_interruptible();
};

class signal_watch {
public:
  // Until `state`'s transfer starts (transfer_started), a signal exits 130 at once: nothing is
  // buffered yet, and opening an endpoint (accepting a connection) may block.
  explicit signal_watch(transfer_state& state);
  signal_watch(const signal_watch&) = delete;
  signal_watch& operator=(const signal_watch&) = delete;
  ~signal_watch();

  // After this, a signal always asks the transfer to stop (the transfer is running or about to).
  void transfer_started() { started_.store(true, std::memory_order_release); }

private:
  void watch();

  transfer_state& state_;
  std::atomic<bool> started_{false};
  std::atomic<bool> quit_{false};
  std::thread thread_;
};

} // namespace ringpipe_cmd
