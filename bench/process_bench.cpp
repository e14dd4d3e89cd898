// Bytes across two processes: a forked child reads, in 64 KiB chunks, what its parent writes, through a
// 1 MiB named ringpipe ring (the parent creates it, the child opens it by name), pipe(2) with a 1 MiB
// buffer, and an AF_UNIX SOCK_STREAM socket pair with 1 MiB socket buffers. The child checks every byte
// of a first, untimed transfer through each, then each chunk's number and last word in the timed rounds.
// The same stream between two threads of this process through a 1 MiB make_pipe ring is the figure the
// named ring is judged against (issue 12: at least 90% of it). bench/README.md says what each contender
// does and what it measured.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <asio/buffer.hpp>
#include <asio/system_executor.hpp>
#include <fmt/core.h>

#include "ringpipe/ringpipe.hpp"

#include "bench_support.hpp"

namespace {

namespace bench = ringpipe::bench;

constexpr std::size_t capacity = std::size_t{1} << 20;
constexpr std::size_t chunk = std::size_t{64} << 10;
constexpr double target_times_pipe = 6.0, target_share_of_in_process = 0.9;

std::size_t transferred(ssize_t result, const char* call) {
  if (result <= 0) throw std::system_error(result < 0 ? errno : EPIPE, std::system_category(), call);
  return static_cast<std::size_t>(result);
}

void check_call(int result, const char* call) {
  if (result < 0) throw std::system_error(errno, std::system_category(), call);
}

// A descriptor that closes with its owner, or earlier with reset().
struct owned_fd {
  int fd = -1;
  owned_fd() = default;
  explicit owned_fd(int descriptor) noexcept : fd(descriptor) {}
  owned_fd(owned_fd&& other) noexcept : fd(std::exchange(other.fd, -1)) {}
  ~owned_fd() { reset(); }
  void reset() noexcept {
    if (fd >= 0) ::close(std::exchange(fd, -1));
  }
};

// How much of each chunk the reader checks. Summing every word costs about as much as the ring's own
// transfer of it (a second pass over 64 KiB), which would time the check rather than the transport; the
// kernel's copies hide it. So the timed rounds check each chunk's number and last word, which still
// catches a lost, repeated, reordered or short chunk, and one untimed transfer checks every byte.
enum class check { every_word, number_and_last_word };

// The stream: chunk after chunk of one pattern, each stamped with its number in its first 8 bytes, so
// that a lost, repeated or torn chunk changes the sum of what the reader checks.
struct workload {
  std::vector<std::byte> source = std::vector<std::byte>(chunk), landing = std::vector<std::byte>(chunk);
  std::uint64_t chunks;
  check extent;

  workload(std::uint64_t bytes, check what) : chunks(bytes / chunk), extent(what) {
    for (std::size_t i = sizeof(std::uint64_t); i < chunk; ++i)
      source[i] = static_cast<std::byte>((i * 2654435761u) >> 13);
  }
  std::uint64_t total() const { return chunks * chunk; }
  // What the reader adds up for one chunk, as it landed.
  std::uint64_t checked_sum(const std::byte* data) const {
    if (extent == check::every_word) return bench::sum_words(data, chunk);
    std::uint64_t number = 0, last = 0;
    std::memcpy(&number, data, sizeof number);
    std::memcpy(&last, data + chunk - sizeof last, sizeof last);
    return number + last;
  }
  std::uint64_t expected_sum() const {
    return chunks * checked_sum(source.data()) + chunks * (chunks - 1) / 2;
  }
};

// The writer: stamps each chunk as it starts it, then writes it (in as many calls as it takes).
template <class Transport>
void send_stream(Transport& transport, workload& w) {
  std::uint64_t number = 0;
  bench::stream_chunks(w.source.data(), chunk, w.total(), [&](const std::byte* data, std::size_t size) {
    if (data == w.source.data()) { // a new chunk
      std::memcpy(w.source.data(), &number, sizeof number);
      ++number;
    }
    return transport.write_some(data, size);
  });
  std::memset(w.source.data(), 0, sizeof number);
}

// The reader: sums what it checks of every chunk it completed, where it landed.
template <class Transport>
std::uint64_t receive_stream(Transport& transport, workload& w) {
  std::uint64_t sum = 0;
  bench::stream_chunks(w.landing.data(), chunk, w.total(), [&](std::byte* data, std::size_t size) {
    const std::size_t read = transport.read_some(data, size);
    if (data + read == w.landing.data() + chunk) sum += w.checked_sum(w.landing.data());
    return read;
  });
  return sum;
}

// What the child tells the parent once it has read everything (or failed).
struct receipt {
  std::uint64_t sum = 0;
  bool failed = true;
};

void read_exactly(int fd, void* data, std::size_t size) {
  for (std::size_t done = 0; done < size;)
    done += transferred(::read(fd, static_cast<char*>(data) + done, size - done), "read (control pipe)");
}

[[noreturn]] void run_child(auto& transport, workload& w, int control) {
  receipt result;
  try {
    transport.become_reader();
    const char ready = 'r';
    transferred(::write(control, &ready, 1), "write (control pipe)");
    result.sum = receive_stream(transport, w);
    result.failed = false;
  } catch (const std::exception& failure) {
    fmt::print(stderr, "ringpipe_process_bench child: {}\n", failure.what());
  }
  const bool told = ::write(control, &result, sizeof result) == sizeof result;
  ::_exit(told && !result.failed ? 0 : 1);
}

// Forks a child that reads the stream through a Transport made here, and writes it from this process.
// Returns the seconds from the child's "ready" (it has attached) until its receipt arrived.
template <class Transport>
double across_processes(workload& w) {
  Transport transport;
  int control_ends[2];
  check_call(::pipe2(control_ends, O_CLOEXEC), "pipe2");
  owned_fd control(control_ends[0]), child_end(control_ends[1]);
  std::fflush(stdout);
  const pid_t child = ::fork();
  check_call(child, "fork");
  if (child == 0) run_child(transport, w, child_end.fd);
  child_end.reset();
  char ready;
  receipt result;
  std::chrono::steady_clock::duration elapsed{};
  try {
    read_exactly(control.fd, &ready, 1); // or the first byte of a failed child's receipt
    if (ready != 'r')
      throw std::runtime_error(fmt::format("{}: the child could not attach", Transport::name));
    transport.become_writer();
    const auto began = std::chrono::steady_clock::now();
    send_stream(transport, w);
    read_exactly(control.fd, &result, sizeof result);
    elapsed = std::chrono::steady_clock::now() - began;
  } catch (...) {
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    throw;
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  if (result.failed || status != 0 || result.sum != w.expected_sum())
    throw std::runtime_error(fmt::format("{} delivered wrong bytes", Transport::name));
  return std::chrono::duration<double>(elapsed).count();
}

// A ring named after this process: the child attaches by name, the parent unlinks it once it has.
struct ring_transport {
  static constexpr const char* name = "ringpipe named ring read_some/write_some";
  std::string ring_name = fmt::format("ringpipe-process-bench-{}", ::getpid());
  ringpipe::ring memory = ringpipe::create_shared_ring(ring_name, capacity);
  std::optional<ringpipe::writer> writer;
  std::optional<ringpipe::reader> reader;

  ~ring_transport() {
    std::error_code already_removed;
    ringpipe::remove_shared_ring(ring_name, already_removed);
  }
  void become_reader() {
    memory = ringpipe::ring(); // the parent's handle, inherited: attach as an unrelated process would
    reader.emplace(asio::system_executor(), ringpipe::open_shared_ring(ring_name));
  }
  void become_writer() {
    ringpipe::remove_shared_ring(ring_name);
    writer.emplace(asio::system_executor(), std::move(memory));
  }
  std::size_t write_some(const std::byte* data, std::size_t size) {
    return writer->write_some(asio::buffer(data, size));
  }
  std::size_t read_some(std::byte* data, std::size_t size) {
    return reader->read_some(asio::buffer(data, size));
  }
};

// A pair of descriptors: the reader keeps ends[0], the writer ends[1].
struct fd_pair {
  owned_fd ends[2];
  void become_reader() { ends[1].reset(); }
  void become_writer() { ends[0].reset(); }
  std::size_t write_some(const std::byte* data, std::size_t size) {
    return transferred(::write(ends[1].fd, data, size), "write");
  }
  std::size_t read_some(std::byte* data, std::size_t size) {
    return transferred(::read(ends[0].fd, data, size), "read");
  }
};

struct pipe_transport : fd_pair {
  static constexpr const char* name = "pipe(2), 1 MiB buffer";
  pipe_transport() {
    int fds[2];
    check_call(::pipe2(fds, O_CLOEXEC), "pipe2");
    ends[0].fd = fds[0], ends[1].fd = fds[1];
    if (::fcntl(fds[1], F_SETPIPE_SZ, int{capacity}) < int{capacity})
      throw std::system_error(errno, std::system_category(), "F_SETPIPE_SZ (see /proc/sys/fs/pipe-max-size)");
  }
};

struct socket_transport : fd_pair {
  static constexpr const char* name = "AF_UNIX socketpair, 1 MiB SO_SNDBUF/RCVBUF";
  socket_transport() {
    int fds[2];
    check_call(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), "socketpair");
    ends[0].fd = fds[0], ends[1].fd = fds[1];
    const int size = int{capacity}; // the kernel doubles it for its bookkeeping, up to net.core.wmem_max
    for (const int fd : fds)
      for (const int option : {SO_SNDBUF, SO_RCVBUF})
        check_call(::setsockopt(fd, SOL_SOCKET, option, &size, sizeof size), "setsockopt");
  }
};

// The in-process ring: the same stream and checks between a writer thread and this one.
struct thread_transport {
  static constexpr const char* name = "ringpipe make_pipe, two threads of one process";
  std::pair<ringpipe::writer, ringpipe::reader> ends = ringpipe::make_pipe(asio::system_executor(), capacity);
  std::size_t write_some(const std::byte* data, std::size_t size) {
    return ends.first.write_some(asio::buffer(data, size));
  }
  std::size_t read_some(std::byte* data, std::size_t size) {
    return ends.second.read_some(asio::buffer(data, size));
  }
};

// Seconds from the writer thread's start until this thread has read and checked everything.
double between_threads(workload& w) {
  thread_transport transport;
  std::exception_ptr failure;
  const auto began = std::chrono::steady_clock::now();
  std::thread writer([&] {
    try {
      send_stream(transport, w);
    } catch (...) {
      failure = std::current_exception();
      transport.ends.first.close(); // the reader sees the end of the stream, and a short sum
    }
  });
  std::uint64_t sum = 0;
  try {
    sum = receive_stream(transport, w);
  } catch (...) {
    transport.ends.second.close(); // the writer's next write fails: it stops
    writer.join();
    throw;
  }
  writer.join();
  const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - began;
  if (failure) std::rethrow_exception(failure);
  if (sum != w.expected_sum())
    throw std::runtime_error(fmt::format("{} delivered wrong bytes", transport.name));
  return seconds.count();
}

constexpr std::pair<const char*, double (*)(workload&)> contenders[] = {
    {ring_transport::name, across_processes<ring_transport>},
    {pipe_transport::name, across_processes<pipe_transport>},
    {socket_transport::name, across_processes<socket_transport>},
    {thread_transport::name, between_threads}};
constexpr std::size_t named_ring = 0, pipe = 1, socket_pair = 2, in_process = 3;

// Each round runs every contender once in turn, so that drift in the machine's load spreads over all.
std::vector<bench::tally> measure(const bench::options& opt) {
  std::vector<bench::tally> all(std::size(contenders));
  workload every_byte(std::min<std::uint64_t>(opt.bytes, std::uint64_t{256} << 20), check::every_word);
  fmt::print("every byte checked, untimed:");
  for (const auto& [name, transfer] : contenders) {
    transfer(every_byte);
    fmt::print(" ok");
  }
  fmt::print("\n");
  workload w(opt.bytes, check::number_and_last_word);
  for (int round = 1; round <= opt.rounds; ++round) {
    fmt::print("round {}/{}, GB/s:", round, opt.rounds);
    for (std::size_t k = 0; k < std::size(contenders); ++k) {
      const auto [seconds, cpus] =
          bench::with_cpu_share(contenders[k].first, [&] { return contenders[k].second(w); });
      all[k].add(double(w.total()) / seconds / 1e9, cpus);
      fmt::print(" {:6.2f}", all[k].values.back());
    }
    fmt::print("\n");
    std::fflush(stdout);
  }
  return all;
}

bool report(const std::vector<bench::tally>& all) {
  fmt::print("\nparent process to child process (the last row: two threads of one process), 64 KiB chunks\n");
  bench::print_tally_header("GB/s");
  for (std::size_t k = 0; k < std::size(contenders); ++k)
    bench::print_tally(contenders[k].first, all[k]);
  fmt::print("\ntargets (exit status 0 regardless, unless --strict):\n");
  const double ring = all[named_ring].median_value();
  fmt::print("  {:<62}{:>12.2f}x\n", "ringpipe / AF_UNIX socketpair (no target since issue 12)",
             ring / all[socket_pair].median_value());
  const bool beats_pipe =
      bench::judge("ringpipe / pipe(2)", ring / all[pipe].median_value(), target_times_pipe);
  const bool near_in_process =
      bench::judge("ringpipe across processes / in one process", ring / all[in_process].median_value(),
                   target_share_of_in_process);
  return beats_pipe && near_in_process;
}

} // namespace

int main(int argc, char** argv) {
  const bench::command_line line{
      .program = "ringpipe_process_bench",
      .description = "Bytes across processes: a named ring against pipe(2) and an AF_UNIX socket pair",
      .bytes_are = "bytes per contender and round",
      .defaults = {.bytes = std::uint64_t{2} << 30, .rounds = 5},
      .quick = {.bytes = std::uint64_t{64} << 20, .rounds = 3}};
  // A reader that fails must turn into EPIPE in the writer, not kill the process.
  std::signal(SIGPIPE, SIG_IGN);
  return bench::run_main(argc, argv, line, [](const bench::options& opt) {
    fmt::print(
        "ringpipe_process_bench on {} CPUs: {} MiB per contender and round; {} rounds; GB = 1e9 bytes\n",
        std::thread::hardware_concurrency(), opt.bytes >> 20, opt.rounds);
    return report(measure(opt));
  });
}
