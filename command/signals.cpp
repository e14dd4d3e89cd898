#include "signals.hpp"

#include <csignal>
#include <cstdio>
#include <ctime>

#include <unistd.h>

#include "exit_codes.hpp"
#include "transfer_state.hpp"

namespace ringpipe_cmd {
namespace {

sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

sigset_t interrupt_signal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  return set;
}

extern "C" void interrupt_handler(int) {} // only there to make a blocking system call return EINTR

} // namespace

void prepare_signals() {
  sigset_t set = stop_signals();
  sigaddset(&set, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  struct sigaction action {};
  action.sa_handler = interrupt_handler;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0; // no SA_RESTART: the read must fail with EINTR
  sigaction(SIGUSR1, &action, nullptr);
}

input_interruptible::input_interruptible() {
  const sigset_t set = interrupt_signal();
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

input_interruptible::~input_interruptible() {
  const sigset_t set = interrupt_signal();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

signal_watch::signal_watch(transfer_state& state) : state_(state), thread_([this] { watch(); }) {}

signal_watch::~signal_watch() {
  quit_.store(true, std::memory_order_relaxed);
  thread_.join();
}

void signal_watch::watch() {
  const sigset_t set = stop_signals();
  // Also the period at which a stopped input thread is interrupted again: a signal that arrives just
  // before it enters read(2) does not interrupt it, the next one does.
  const timespec period{0, 20'000'000};
  int received = 0;
  while (!quit_.load(std::memory_order_relaxed)) {
    if (sigtimedwait(&set, nullptr, &period) > 0) {
      if (++received > 1 || !started_.load(std::memory_order_acquire)) {
        static const char message[] = "\nringpipe: interrupted\n";
        [[maybe_unused]] const ssize_t ignored = ::write(STDERR_FILENO, message, sizeof message - 1);
        ::_exit(exit_interrupted);
      }
      state_.note_interrupted();
      state_.request_stop();
    }
    // To the process: only the input thread takes SIGUSR1, and when it has finished the signal stays
    // pending, harmlessly; a thread id could be gone by then.
    if (state_.stop_requested() && state_.input_running()) ::kill(::getpid(), SIGUSR1);
  }
}

} // namespace ringpipe_cmd
