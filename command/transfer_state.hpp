// What the threads of one transfer share: counters for --stats and --progress, the stop request of a
// signal or a failed side, and the first error, which decides the exit status.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <system_error>

#include "exit_codes.hpp"

namespace ringpipe_cmd {

using steady = std::chrono::steady_clock;

// Nanoseconds spent in a blocking wait, added to a counter when the scope ends.
class wait_timer {
public:
  explicit wait_timer(std::atomic<std::uint64_t>& total) : total_(total), start_(steady::now()) {}
  wait_timer(const wait_timer&) = delete;
  wait_timer& operator=(const wait_timer&) = delete;
  ~wait_timer() {
    const auto spent = std::chrono::duration_cast<std::chrono::nanoseconds>(steady::now() - start_);
    // relaxed: a statistic, read for display only.
    total_.fetch_add(static_cast<std::uint64_t>(spent.count()), std::memory_order_relaxed);
  }

private:
  std::atomic<std::uint64_t>& total_;
  steady::time_point start_;
};

struct transfer_counters {
  // relaxed everywhere: each is written by one thread and read only for display.
  std::atomic<std::uint64_t> bytes_in{0};
  std::atomic<std::uint64_t> bytes_out{0};
  std::atomic<std::uint64_t> bytes_in_kernel{0};  // of bytes_in, those the kernel moved (kernel_copy.hpp)
  std::atomic<std::uint64_t> input_waited_ns{0};  // the input side, on a full ring
  std::atomic<std::uint64_t> output_waited_ns{0}; // the output side, on an empty ring
  std::atomic<std::uint64_t> highest_fill{0};
  std::atomic<std::uint64_t> current_fill{0};

  void note_fill(std::uint64_t fill) {
    current_fill.store(fill, std::memory_order_relaxed);
    std::uint64_t highest = highest_fill.load(std::memory_order_relaxed);
    while (fill > highest && !highest_fill.compare_exchange_weak(highest, fill, std::memory_order_relaxed)) {
    }
  }
};

class transfer_state {
public:
  transfer_counters counters;
  const steady::time_point started = steady::now();

  // Stops the input side: set by the first SIGINT/SIGTERM and when the output side fails. The
  // input side then closes the ring, and the output side drains it.
  void request_stop() { stop_.store(true, std::memory_order_relaxed); }
  // relaxed: a flag polled between reads; the ring's own ordering carries the data.
  bool stop_requested() const { return stop_.load(std::memory_order_relaxed); }

  // Records an error; the first one decides the exit status. Prints it at once, naming the side and
  // the endpoint: "ringpipe: output /dev/full: No space left on device".
  void fail(int status, const std::string& side, const std::string& spec, const std::string& reason);
  void fail(int status, const std::string& side, const std::string& spec, const std::error_code& ec) {
    fail(status, side, spec, ec.message());
  }

  // Prints a problem that does not change the exit status (an output dropped).
  void warn(const std::string& side, const std::string& spec, const std::string& reason) {
    fail(exit_success, side, spec, reason);
  }

  // The exit status: the first error's, else 130 after a signal, else 0.
  int exit_status() const;

  // Marks a stop that a signal asked for, so the exit status is 130.
  void note_interrupted() { interrupted_.store(true, std::memory_order_relaxed); }

  // Whether the input side is reading: while a stop is requested, the signal watcher interrupts it
  // (signals.hpp), as a read(2) on a pipe, socket or terminal may block forever otherwise.
  // relaxed: a flag; the interrupt itself is retried until the input side sees the stop.
  void input_running(bool running) { input_running_.store(running, std::memory_order_relaxed); }
  bool input_running() const { return input_running_.load(std::memory_order_relaxed); }
  // Whether the input side has finished (for --start-at).
  bool input_ended() const { return ended_.load(std::memory_order_acquire); }
  void mark_input_ended() { ended_.store(true, std::memory_order_release); }

private:
  std::atomic<bool> input_running_{false};
  std::atomic<bool> ended_{false};
  std::atomic<bool> stop_{false};
  std::atomic<bool> interrupted_{false};
  mutable std::mutex mutex_;
  int status_ = exit_success;
};

} // namespace ringpipe_cmd
