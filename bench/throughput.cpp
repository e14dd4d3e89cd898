// Throughput of a 1 MiB ringpipe against pipe(2) and an AF_UNIX socket pair with 1 MiB buffers and the
// two-thread ceiling (a bare ring, bare_ring.hpp), at 64 KiB and 4 KiB chunks; with --sweep, against the
// chunk size (64 B to 1 MiB) or the ring size (64 KiB to 64 MiB). bench/README.md says what each contender
// does, why, and what it measured.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <asio/buffer.hpp>
#include <asio/system_executor.hpp>
#include <fmt/core.h>

#include "ringpipe/ringpipe.hpp"

#include "bare_ring.hpp"
#include "bench_support.hpp"

namespace {

namespace bench = ringpipe::bench;

constexpr std::size_t KiB = std::size_t{1} << 10, MiB = std::size_t{1} << 20;
constexpr std::size_t default_ring = MiB;

// Where a run is measured: the chunk each side moves per call, and the ring's (or kernel buffer's) size.
struct point {
  std::size_t chunk, ring;
};
// The targets' points, and the sweeps' (--sweep chunk, --sweep ring). A ring sweep keeps 64 KiB chunks.
const std::vector<point> target_points = {{64 * KiB, default_ring}, {4 * KiB, default_ring}};
std::vector<point> chunk_sweep_points() {
  std::vector<point> points;
  for (std::size_t chunk = 64; chunk <= MiB; chunk *= 4)
    points.push_back({chunk, default_ring});
  return points;
}
std::vector<point> ring_sweep_points() {
  std::vector<point> points;
  for (std::size_t ring = 64 * KiB; ring <= 64 * MiB; ring *= 4)
    points.push_back({64 * KiB, ring});
  return points;
}

// Bytes per contender, point and round: --bytes, but at most 2^19 chunks, so that a sweep's small chunks
// (a system call each for pipe(2)) take seconds, not minutes.
std::uint64_t bytes_at(const point& p, std::uint64_t bytes) {
  return std::min<std::uint64_t>(bytes, std::uint64_t{p.chunk} << 19);
}

// The targets, judged at 64 KiB on the copying ringpipe: like pipe(2) it copies every byte in
// and out, so it is the like-for-like contender.
constexpr double target_times_pipe = 6.0;
constexpr double target_share_of_ceiling = 0.9;

// What one run moves: `total` bytes, one chunk at a time, every chunk the same `source` bytes (hot in the
// producer's cache, as for a producer that just built them). Copying consumers put stream byte p at
// landing[p % chunk], so after a run `landing` must equal `source`.
struct workload {
  std::vector<std::byte> source, landing;
  std::uint64_t total;

  workload(std::size_t chunk, std::uint64_t bytes)
      : source(chunk), landing(chunk), total(bytes / chunk * chunk) {
    for (std::size_t i = 0; i < chunk; ++i)
      source[i] = static_cast<std::byte>((i * 2654435761u) >> 13);
  }
  std::size_t chunk() const noexcept { return source.size(); }
};

void require(bool delivered_right, const char* contender) {
  if (!delivered_right) throw std::runtime_error(std::string(contender) + " delivered wrong bytes");
}

// Reads every byte in place, as a consumer parsing its input where it lies would (see bench_support.hpp).
using bench::sum_words;

// Streams the workload from a producer thread to this one, each side cycling through its chunk with
// write_some(data, size) / read_some(data, size), and checks what arrived.
template <class WriteSome, class ReadSome>
double copy_through(workload& w, const char* name, WriteSome write_some, ReadSome read_some) {
  std::fill(w.landing.begin(), w.landing.end(), std::byte{0});
  const double seconds = bench::timed_transfer(
      [&w, write = std::move(write_some)]() mutable {
        bench::stream_chunks(w.source.data(), w.chunk(), w.total, write);
      },
      [&w, read = std::move(read_some)]() mutable {
        bench::stream_chunks(w.landing.data(), w.chunk(), w.total, read);
      });
  require(w.landing == w.source, name);
  return seconds;
}

double ringpipe_copy(workload& w, std::size_t ring) {
  auto [writer, reader] = ringpipe::make_pipe(asio::system_executor(), ring);
  return copy_through(
      w, "ringpipe read_some/write_some",
      [writer = std::move(writer)](const std::byte* data, std::size_t size) mutable {
        return writer.write_some(asio::buffer(data, size));
      },
      [reader = std::move(reader)](std::byte* data, std::size_t size) mutable {
        return reader.read_some(asio::buffer(data, size));
      });
}

// Zero-copy writer: builds each chunk straight in ring memory (memcpy stands in for producing it).
void send_in_place(ringpipe::writer& writer, const workload& w) {
  bench::stream_chunks(w.source.data(), w.chunk(), w.total, [&](const std::byte* data, std::size_t size) {
    asio::mutable_buffer room;
    while ((room = writer.prepare(size)).size() == 0)
      writer.wait();
    std::memcpy(room.data(), data, room.size());
    writer.commit(room.size());
    return room.size();
  });
}

// Zero-copy reader: reads each chunk where it lies, then releases it. At most one chunk per consume, like
// a consumer handling one message at a time; releasing a whole data() at once would stall the writer.
// (stream_chunks only cuts the stream at chunk boundaries here: nothing lands in w.landing.)
std::uint64_t receive_in_place(ringpipe::reader& reader, const workload& w) {
  std::uint64_t sum = 0;
  bench::stream_chunks(w.landing.data(), w.chunk(), w.total, [&](const std::byte*, std::size_t size) {
    asio::const_buffer ready;
    while ((ready = reader.data()).size() == 0)
      reader.wait();
    size = std::min(size, ready.size());
    sum += sum_words(static_cast<const std::byte*>(ready.data()), size);
    reader.consume(size);
    return size;
  });
  return sum;
}

double ringpipe_in_place(workload& w, std::size_t ring) {
  auto [writer, reader] = ringpipe::make_pipe(asio::system_executor(), ring);
  std::uint64_t sum = 0;
  const double seconds =
      bench::timed_transfer([&w, writer = std::move(writer)]() mutable { send_in_place(writer, w); },
                            [&, reader = std::move(reader)]() mutable { sum = receive_in_place(reader, w); });
  // Chunks and ring are multiples of 64 bytes, so every span is too and sum_words sees whole words.
  require(sum == w.total / w.chunk() * sum_words(w.source.data(), w.chunk()), "ringpipe zero-copy");
  return seconds;
}

// A kernel stream's end that closes with the task holding it (see run_and_close).
struct owned_fd {
  int fd;
  explicit owned_fd(int descriptor) noexcept : fd(descriptor) {}
  owned_fd(owned_fd&& other) noexcept : fd(std::exchange(other.fd, -1)) {}
  ~owned_fd() {
    if (fd >= 0) ::close(fd);
  }
};

void check_call(int result, const char* call) {
  if (result < 0) throw std::system_error(errno, std::system_category(), call);
}

std::size_t transferred(ssize_t result, const char* call) {
  if (result <= 0) throw std::system_error(result < 0 ? errno : EPIPE, std::system_category(), call);
  return static_cast<std::size_t>(result);
}

// Streams the workload through a kernel byte stream with write(2) and read(2).
double kernel_copy(workload& w, const char* name, owned_fd write_end, owned_fd read_end) {
  return copy_through(
      w, name,
      [end = std::move(write_end)](const std::byte* data, std::size_t size) {
        return transferred(::write(end.fd, data, size), "write");
      },
      [end = std::move(read_end)](std::byte* data, std::size_t size) {
        return transferred(::read(end.fd, data, size), "read");
      });
}

double pipe_copy(workload& w, std::size_t ring) {
  int ends[2];
  check_call(::pipe2(ends, O_CLOEXEC), "pipe2");
  owned_fd read_end(ends[0]), write_end(ends[1]);
  // As large as the ring: the default 64 KiB would hold a single 64 KiB chunk.
  if (::fcntl(write_end.fd, F_SETPIPE_SZ, int(ring)) < int(ring))
    throw std::system_error(errno, std::system_category(), "F_SETPIPE_SZ (see /proc/sys/fs/pipe-max-size)");
  return kernel_copy(w, "pipe(2)", std::move(write_end), std::move(read_end));
}

double socket_copy(workload& w, std::size_t ring) {
  int ends[2];
  check_call(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends), "socketpair");
  owned_fd read_end(ends[0]), write_end(ends[1]);
  const int size = int(ring); // the kernel doubles it for its bookkeeping, up to net.core.wmem_max
  for (const int end : ends)
    for (const int option : {SO_SNDBUF, SO_RCVBUF})
      check_call(::setsockopt(end, SOL_SOCKET, option, &size, sizeof size), "setsockopt");
  return kernel_copy(w, "AF_UNIX socket pair", std::move(write_end), std::move(read_end));
}

// The ceiling: the same copies through a bare ring of the same size between the same two threads, with
// nothing but release/acquire positions and busy-polling (bare_ring.hpp).
double bare_ring_ceiling(workload& w, std::size_t ring) {
  auto bare = std::make_shared<bench::bare_ring>(ring);
  return copy_through(
      w, "bare ring",
      [bare](const std::byte* data, std::size_t size) { return bare->write_some(data, size); },
      [bare](std::byte* data, std::size_t size) { return bare->read_some(data, size); });
}

struct contender {
  const char* name;
  const char* id; // its name in the CSV
  double (*run)(workload&, std::size_t ring);
  bool kernel_buffer; // pipe(2), socket pair: a kernel buffer capped by sysctls, left out of a ring sweep
};

// In report()'s order: the ringpipes (the ones that count futex calls), the kernel's streams, the ceiling.
constexpr contender contenders[] = {{"ringpipe read_some/write_some", "ringpipe", ringpipe_copy, false},
                                    {"ringpipe zero-copy", "ringpipe-zero-copy", ringpipe_in_place, false},
                                    {"pipe(2) read/write", "pipe", pipe_copy, true},
                                    {"AF_UNIX socket pair read/write", "socketpair", socket_copy, true},
                                    {"bare ring, 2 threads (ceiling)", "ceiling", bare_ring_ceiling, false}};
constexpr std::size_t copying_ringpipe = 0, pipe_index = 2, ceiling_index = 4;

struct figures {
  bench::tally rates; // GB/s and the process's CPU time over wall time, one each per round
  std::uint64_t futex_calls = 0, bytes = 0;
};

double process_cpu_seconds() noexcept { return double(std::clock()) / CLOCKS_PER_SEC; }

using results = std::vector<std::vector<figures>>; // [point][contender]; empty where a contender sat out

bool takes_part(const contender& c, bool ring_sweep) { return !(ring_sweep && c.kernel_buffer); }

// Each round runs every contender once per point in turn, so that drift in the machine's load spreads
// over all of them instead of favouring whichever ran in a quiet spell.
results measure(const std::vector<point>& points, bool ring_sweep, const bench::options& opt) {
  results all(points.size(), std::vector<figures>(std::size(contenders)));
  for (int round = 1; round <= opt.rounds; ++round) {
    fmt::print("round {}/{}, GB/s:", round, opt.rounds);
    for (std::size_t p = 0; p < points.size(); ++p) {
      workload w(points[p].chunk, bytes_at(points[p], opt.bytes));
      fmt::print("  {}/{}", bench::format_bytes(points[p].chunk), bench::format_bytes(points[p].ring));
      for (std::size_t k = 0; k < std::size(contenders); ++k) {
        if (!takes_part(contenders[k], ring_sweep)) continue;
        const std::uint64_t futex_calls_before = ringpipe::core::futex_call_count();
        const double cpu_before = process_cpu_seconds();
        const auto called = std::chrono::steady_clock::now();
        const double seconds =
            bench::watched(contenders[k].name, [&] { return contenders[k].run(w, points[p].ring); });
        // Set-up included on both sides of the ratio: it is CPU time, but not in `seconds`.
        const std::chrono::duration<double> call_seconds = std::chrono::steady_clock::now() - called;
        figures& f = all[p][k];
        f.rates.add(double(w.total) / seconds / 1e9,
                    (process_cpu_seconds() - cpu_before) / call_seconds.count());
        f.futex_calls += ringpipe::core::futex_call_count() - futex_calls_before;
        f.bytes += w.total;
        fmt::print(" {:.2f}", f.rates.values.back());
      }
    }
    fmt::print("\n");
    std::fflush(stdout);
  }
  return all;
}

// The table, and the same figures as CSV rows of `table` (x: the chunk size, or the ring size in a ring
// sweep). CPUs is the median of the process's CPU time over wall time: near 2 the two threads ran side by
// side; near 1 or below they shared one CPU while other work held the rest.
void print_table(const std::vector<point>& points, const results& all, bool ring_sweep,
                 std::string_view table, bench::csv_output& csv) {
  fmt::print("\n{:<8}{:<8}{:<32}{:>12}{:>8}{:>8}{:>11}{:>6}\n", "chunk", "ring", "contender", "median GB/s",
             "min", "max", "futex/GiB", "CPUs");
  for (std::size_t p = 0; p < points.size(); ++p)
    for (std::size_t k = 0; k < std::size(contenders); ++k) {
      const figures& f = all[p][k];
      if (f.rates.values.empty()) continue;
      const double futex_per_gib = double(f.futex_calls) * double(1 << 30) / double(f.bytes);
      const auto [low, high] = std::minmax_element(f.rates.values.begin(), f.rates.values.end());
      fmt::print(
          "{:<8}{:<8}{:<32}{:>12.2f}{:>8.2f}{:>8.2f}{:>11}{:>6.1f}\n", bench::format_bytes(points[p].chunk),
          bench::format_bytes(points[p].ring), contenders[k].name, f.rates.median_value(), *low, *high,
          k < pipe_index ? fmt::format("{:.1f}", futex_per_gib) : "-", bench::median(f.rates.cpus_busy));
      csv.row(table, contenders[k].id, double(ring_sweep ? points[p].ring : points[p].chunk), f.rates);
    }
}

// The ratios at the targets' points, and the targets; returns whether every target was met.
bool judge_targets(const results& all) {
  const auto ratio = [&](std::size_t p, std::size_t k, std::size_t other) {
    return all[p][k].rates.median_value() / all[p][other].rates.median_value();
  };
  fmt::print("\n{:<48}{:>8}{:>8}\n", "ratio of medians", "64 KiB", "4 KiB");
  for (std::size_t k : {0, 1}) {
    for (std::size_t other : {pipe_index, pipe_index + 1})
      fmt::print("{:<48}{:>7.1f}x{:>7.1f}x\n", fmt::format("{} / {}", contenders[k].id, contenders[other].id),
                 ratio(0, k, other), ratio(1, k, other));
    fmt::print("{:<48}{:>7.0f}%{:>7.0f}%\n", fmt::format("{} / ceiling", contenders[k].id),
               100 * ratio(0, k, ceiling_index), 100 * ratio(1, k, ceiling_index));
  }
  const double times_pipe = ratio(0, copying_ringpipe, pipe_index);
  const double share_of_ceiling = ratio(0, copying_ringpipe, ceiling_index);
  const bool beats_pipe = times_pipe >= target_times_pipe,
             nears_ceiling = share_of_ceiling >= target_share_of_ceiling;
  fmt::print("\ntargets at 64 KiB, {} (exit status 0 regardless, unless --strict):\n",
             contenders[copying_ringpipe].name);
  fmt::print("  >= {:.0f}x pipe(2)     {:5.1f}x  {}\n", target_times_pipe, times_pipe,
             beats_pipe ? "PASS" : "MISS");
  fmt::print("  >= {:.0f}% of the ceiling  {:5.0f}%  {}\n", 100 * target_share_of_ceiling,
             100 * share_of_ceiling, nears_ceiling ? "PASS" : "MISS");
  return beats_pipe && nears_ceiling;
}

} // namespace

int main(int argc, char** argv) {
  const bench::command_line line{
      .program = "ringpipe_bench",
      .description =
          "Throughput of a 1 MiB ring against pipe(2), an AF_UNIX socket pair and a bare two-thread "
          "ring, at 64 KiB and 4 KiB chunks, or swept over chunk or ring sizes",
      .bytes_are = "bytes per contender, point and round (at most 2^19 chunks)",
      .defaults = {.bytes = std::uint64_t{2} << 30, .rounds = 5},
      .quick = {.bytes = std::uint64_t{64} << 20, .rounds = 3},
      .sweeps = {"chunk", "ring"},
      .sweeps_are = "chunk: 64 B to 1 MiB chunks through 1 MiB; ring: 64 KiB to 64 MiB rings, 64 KiB chunks "
                    "(ringpipe and the ceiling only). No targets are judged"};
  // A pipe(2) reader that fails must turn into EPIPE in the writer, not kill the process.
  std::signal(SIGPIPE, SIG_IGN);
  return bench::run_main(argc, argv, line, [](const bench::options& opt) {
    const bool ring_sweep = opt.sweep == "ring";
    const std::vector<point> points = opt.sweep.empty() ? target_points
                                      : ring_sweep      ? ring_sweep_points()
                                                        : chunk_sweep_points();
    bench::csv_output csv(opt.csv);
    fmt::print("ringpipe_bench on {} CPUs: {} per contender, point (chunk/ring) and round; {} rounds; "
               "GB = 1e9 bytes\nround columns: ",
               std::thread::hardware_concurrency(), bench::format_bytes(opt.bytes), opt.rounds);
    for (const contender& c : contenders)
      if (takes_part(c, ring_sweep)) fmt::print("{}; ", c.name);
    fmt::print("\n");
    const results all = measure(points, ring_sweep, opt);
    print_table(points, all, ring_sweep, opt.sweep.empty() ? "targets" : opt.sweep, csv);
    return opt.sweep.empty() ? judge_targets(all) : true;
  });
}
