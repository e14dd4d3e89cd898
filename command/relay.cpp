// One thread for a transfer between one descriptor and another (relay_sides in pumps.hpp). The two
// threads of fill_ring and drain_ring cost a context switch at every hand-over, which on a machine with
// as few CPUs as the pipeline has processes is most of a pipe pipeline's time (bench/README.md, section
// 7); here poll(2) picks whichever side can move, through the same ring, so the buffer, its hard
// backpressure and its statistics are the same. While the ring is empty and the output keeps up, the
// kernel moves the bytes from one descriptor to the other itself (kernel_copy.hpp), as cat cannot.
#include <algorithm>
#include <cerrno>
#include <limits>
#include <optional>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel_copy.hpp"
#include "pumps.hpp"
#include "signals.hpp"

namespace ringpipe_cmd {
namespace {

// A pipe or socket in non-blocking mode while alive, so that a write moves what the output takes now
// and the relay goes back to reading instead of blocking until a whole block fits (the buffer would
// stop absorbing the input's bursts). Files and terminals are left alone: they do not block for long,
// and a terminal's mode is shared with the shell. The previous flags come back at the end.
class nonblocking_while_alive {
public:
  explicit nonblocking_while_alive(int fd) : fd_(fd) {
    struct stat status {};
    if (::fstat(fd, &status) != 0 || !(S_ISFIFO(status.st_mode) || S_ISSOCK(status.st_mode))) return;
    flags_ = ::fcntl(fd, F_GETFL);
    if (flags_ < 0 || (flags_ & O_NONBLOCK) != 0 || ::fcntl(fd, F_SETFL, flags_ | O_NONBLOCK) != 0)
      flags_ = -1;
  }
  nonblocking_while_alive(const nonblocking_while_alive&) = delete;
  nonblocking_while_alive& operator=(const nonblocking_while_alive&) = delete;
  ~nonblocking_while_alive() {
    if (flags_ >= 0) ::fcntl(fd_, F_SETFL, flags_);
  }

private:
  int fd_;
  int flags_ = -1; // -1: nothing to restore
};

// A read or write that made no progress for a reason that passes: a signal, or a non-blocking
// descriptor that poll(2) called ready too early.
bool passing(int error) { return error == EINTR || error == EAGAIN || error == EWOULDBLOCK; }

std::error_code last_error() { return {errno, std::system_category()}; }

// What a kernel copy's attempt leaves the loop to do.
enum class after_kernel_copy {
  look_again,   // bytes moved, or the kernel copy ended: the loop starts over
  fill_the_ring // the input has bytes the output cannot take now: they go into the ring
};

// One kernel copy while the ring is empty, and when neither side is ready, the wait for one of them.
// A pair that the kernel refuses although poll(2) called both sides ready goes through the ring from
// then on rather than spin.
after_kernel_copy copy_in_kernel(kernel_copy& kernel, bool& both_were_ready, const relay_job& job,
                                 transfer_state& state) {
  const ssize_t n = kernel.move(job.block_size);
  if (n > 0) {
    both_were_ready = false;
    // relaxed: statistics.
    state.counters.bytes_in.fetch_add(static_cast<std::uint64_t>(n), std::memory_order_relaxed);
    state.counters.bytes_in_kernel.fetch_add(static_cast<std::uint64_t>(n), std::memory_order_relaxed);
    state.counters.bytes_out.fetch_add(static_cast<std::uint64_t>(n), std::memory_order_relaxed);
    return after_kernel_copy::look_again;
  }
  // read(2) and write(2) tell the end of the input and each side's error apart, and name the side.
  if (n == 0 || !passing(errno)) {
    kernel.give_up();
    return after_kernel_copy::look_again;
  }
  if (errno == EINTR) return after_kernel_copy::look_again; // a stop's signal, perhaps
  // EAGAIN although poll(2) called both sides ready: the kernel will not move this pair.
  if (both_were_ready) {
    kernel.give_up();
    return after_kernel_copy::look_again;
  }
  // EAGAIN: the input is empty or the output full.
  const int input_fd = job.source.descriptor();
  pollfd sides[2] = {{input_fd, POLLIN, 0}, {job.sink.descriptor(), POLLOUT, 0}};
  if (::poll(sides, 2, -1) < 0) {
    if (!passing(errno)) kernel.give_up(); // the loop's own poll reports it
    return after_kernel_copy::look_again;
  }
  if (sides[1].revents == 0) return after_kernel_copy::fill_the_ring;
  if (sides[0].revents != 0) {
    both_were_ready = true;
    return after_kernel_copy::look_again;
  }
  // The output waits on an empty ring for the input, as --stats counts it.
  pollfd input{input_fd, POLLIN, 0};
  const wait_timer timer(state.counters.output_waited_ns);
  ::poll(&input, 1, -1); // a failure or a signal: the loop looks again
  return after_kernel_copy::look_again;
}

// The outcome of the loop: what stopped it, if anything did.
struct relay_errors {
  std::error_code write, ring;
};

// Moves bytes until the input ended (or failed, or a stop was requested) and the ring is drained, or an
// output or ring error ends it. Non-blocking pipes and sockets only for its duration.
relay_errors move_bytes(const relay_job& job, transfer_state& state) {
  const int input_fd = job.source.descriptor(), output_fd = job.sink.descriptor();
  const nonblocking_while_alive input_mode(input_fd), output_mode(output_fd);
  relay_errors errors;
  kernel_copy kernel(input_fd, output_fd);
  if (!job.kernel_copies) kernel.give_up();
  bool both_were_ready = false; // by poll(2)'s word, before the kernel copy now
  bool reading = true;
  const auto stop_reading = [&] {
    reading = false;
    state.input_running(false);
    std::error_code ignored;
    job.writer.close(ignored); // the ring's writer side is done: the reader drains, then sees eof
  };
  for (;;) {
    if (reading && state.stop_requested()) stop_reading();
    const asio::const_buffer held = job.reader.data(errors.ring);
    if (errors.ring == asio::error::eof) errors.ring.clear(); // closed and drained
    if (errors.ring) break;
    state.counters.note_fill(held.size());
    if (!reading && held.size() == 0) break;
    if (reading && held.size() == 0 && kernel.usable() &&
        copy_in_kernel(kernel, both_were_ready, job, state) == after_kernel_copy::look_again)
      continue;
    const asio::mutable_buffer room =
        reading ? job.writer.prepare(std::numeric_limits<std::size_t>::max(), errors.ring)
                : asio::mutable_buffer();
    if (errors.ring) break;
    // A side with nothing to do is left out (a negative descriptor), not just asked for no events: poll
    // reports a hang-up whatever was asked, and a full ring's input that hung up would spin the loop.
    pollfd sides[2] = {{room.size() != 0 ? input_fd : -1, POLLIN, 0},
                       {held.size() != 0 ? output_fd : -1, POLLOUT, 0}};
    {
      // A side that cannot move waits on the ring, as --stats counts it for the two threads.
      std::atomic<std::uint64_t>* waiting = reading && room.size() == 0 ? &state.counters.input_waited_ns
                                            : held.size() == 0          ? &state.counters.output_waited_ns
                                                                        : nullptr;
      std::optional<wait_timer> timer;
      if (waiting != nullptr) timer.emplace(*waiting);
      if (::poll(sides, 2, -1) < 0) {
        if (passing(errno)) continue;
        errors.ring = last_error();
        break;
      }
    }
    bool wrote = false;
    if (sides[1].revents != 0) {
      const ssize_t n = ::write(output_fd, held.data(), std::min(held.size(), job.block_size));
      if (n < 0 && !passing(errno)) {
        errors.write = last_error();
        break;
      }
      if (n > 0) {
        wrote = true;
        job.reader.consume(static_cast<std::size_t>(n), errors.ring);
        if (errors.ring) break;
        // relaxed: a statistic.
        state.counters.bytes_out.fetch_add(static_cast<std::uint64_t>(n), std::memory_order_relaxed);
      }
    }
    // While the kernel can move the bytes, the ring drains first: a read now would keep it from emptying,
    // and every byte through it costs two copies that the kernel's does not. The input waits in its
    // own pipe or file meanwhile, and goes into the ring whenever the output cannot take more.
    if (sides[0].revents != 0 && !(wrote && kernel.usable())) {
      const ssize_t n = ::read(input_fd, room.data(), std::min(room.size(), job.block_size));
      if (n < 0 && !passing(errno)) {
        state.fail(exit_input_error, "input", job.input_spec, last_error());
        stop_reading(); // what was read still goes out, as when fill_ring's input fails
      } else if (n == 0) {
        stop_reading();
      } else if (n > 0) {
        if (job.tap != nullptr) job.tap->add(room.data(), static_cast<std::size_t>(n));
        job.writer.commit(static_cast<std::size_t>(n), errors.ring);
        if (errors.ring) break;
        // relaxed: a statistic.
        state.counters.bytes_in.fetch_add(static_cast<std::uint64_t>(n), std::memory_order_relaxed);
      }
    }
  }
  if (reading) stop_reading();
  return errors;
}

} // namespace

void relay_sides(const relay_job& job, transfer_state& state) {
  const input_interruptible interruptible; // a stop's SIGUSR1 breaks poll(2) and read(2) here
  state.input_running(true);
  relay_errors errors = move_bytes(job, state);
  if (errors.ring) state.fail(exit_failure, "ring", "buffer", errors.ring);
  if (errors.write) {
    state.fail(exit_output_error, "output", job.output_spec, errors.write);
  } else if (!errors.ring) {
    job.sink.finish(errors.write);
    if (errors.write) state.fail(exit_output_error, "output", job.output_spec, errors.write);
  }
  std::error_code ignored;
  job.reader.close(ignored);
  state.mark_input_ended();
}

} // namespace ringpipe_cmd
