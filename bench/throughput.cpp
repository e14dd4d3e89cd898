// Throughput of a 1 MiB ringpipe against pipe(2) with a 1 MiB buffer and the two-thread ceiling (a bare
// ring, bare_ring.hpp), at 64 KiB and 4 KiB chunks. bench/README.md says what each contender does, why, and
// what it measured.
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
#include <unistd.h>

#include <asio/buffer.hpp>
#include <asio/system_executor.hpp>
#include <fmt/core.h>

#include "ringpipe/ringpipe.hpp"

#include "bare_ring.hpp"
#include "bench_support.hpp"

namespace {

namespace bench = ringpipe::bench;

constexpr std::size_t ring_capacity = std::size_t{1} << 20;
constexpr std::size_t chunk_sizes[] = {std::size_t{64} << 10, std::size_t{4} << 10};

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

double ringpipe_copy(workload& w) {
  auto [writer, reader] = ringpipe::make_pipe(asio::system_executor(), ring_capacity);
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

double ringpipe_in_place(workload& w) {
  auto [writer, reader] = ringpipe::make_pipe(asio::system_executor(), ring_capacity);
  std::uint64_t sum = 0;
  const double seconds =
      bench::timed_transfer([&w, writer = std::move(writer)]() mutable { send_in_place(writer, w); },
                            [&, reader = std::move(reader)]() mutable { sum = receive_in_place(reader, w); });
  // Chunks and ring are multiples of 4 KiB, so every span is too and sum_words sees whole words.
  require(sum == w.total / w.chunk() * sum_words(w.source.data(), w.chunk()), "ringpipe zero-copy");
  return seconds;
}

// A pipe end that closes with the task holding it (see run_and_close).
struct owned_fd {
  int fd;
  explicit owned_fd(int descriptor) noexcept : fd(descriptor) {}
  owned_fd(owned_fd&& other) noexcept : fd(std::exchange(other.fd, -1)) {}
  ~owned_fd() {
    if (fd >= 0) ::close(fd);
  }
};

std::size_t transferred(ssize_t result, const char* call) {
  if (result <= 0) throw std::system_error(result < 0 ? errno : EPIPE, std::system_category(), call);
  return static_cast<std::size_t>(result);
}

double pipe_copy(workload& w) {
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0) throw std::system_error(errno, std::system_category(), "pipe2");
  owned_fd read_end(ends[0]), write_end(ends[1]);
  // As large as the ring: the default 64 KiB would hold a single 64 KiB chunk.
  if (::fcntl(write_end.fd, F_SETPIPE_SZ, int{ring_capacity}) < int{ring_capacity})
    throw std::system_error(errno, std::system_category(), "F_SETPIPE_SZ (see /proc/sys/fs/pipe-max-size)");
  return copy_through(
      w, "pipe(2)",
      [end = std::move(write_end)](const std::byte* data, std::size_t size) {
        return transferred(::write(end.fd, data, size), "write");
      },
      [end = std::move(read_end)](std::byte* data, std::size_t size) {
        return transferred(::read(end.fd, data, size), "read");
      });
}

// The ceiling: the same copies through a bare ring of the same size between the same two threads, with
// nothing but release/acquire positions and busy-polling (bare_ring.hpp).
double bare_ring_ceiling(workload& w) {
  auto ring = std::make_shared<bench::bare_ring>(ring_capacity);
  return copy_through(
      w, "bare ring",
      [ring](const std::byte* data, std::size_t size) { return ring->write_some(data, size); },
      [ring](std::byte* data, std::size_t size) { return ring->read_some(data, size); });
}

// In report()'s order: the ringpipes (the ones that count futex calls), pipe(2), the ceiling.
constexpr std::pair<const char*, double (*)(workload&)> contenders[] = {
    {"ringpipe read_some/write_some", ringpipe_copy},
    {"ringpipe zero-copy", ringpipe_in_place},
    {"pipe(2) read/write", pipe_copy},
    {"bare ring, 2 threads (ceiling)", bare_ring_ceiling}};
constexpr std::size_t copying_ringpipe = 0, pipe_index = 2, ceiling_index = 3;

struct tally {
  std::vector<double> rates;     // GB/s, one per round
  std::vector<double> cpus_busy; // process CPU time over wall time, one per round
  std::uint64_t futex_calls = 0, bytes = 0;
};

double process_cpu_seconds() noexcept { return double(std::clock()) / CLOCKS_PER_SEC; }

using results = std::vector<std::vector<tally>>; // [chunk size][contender]

// Each round runs every contender once per chunk size in turn, so that drift in the machine's load
// spreads over all of them instead of favouring whichever ran in a quiet spell.
results measure(std::uint64_t bytes, int rounds) {
  results all(std::size(chunk_sizes), std::vector<tally>(std::size(contenders)));
  for (int round = 1; round <= rounds; ++round) {
    fmt::print("round {}/{}, GB/s:", round, rounds);
    for (std::size_t c = 0; c < std::size(chunk_sizes); ++c) {
      workload w(chunk_sizes[c], bytes);
      fmt::print("  {:2} KiB", chunk_sizes[c] >> 10);
      for (std::size_t k = 0; k < std::size(contenders); ++k) {
        const std::uint64_t futex_calls_before = ringpipe::core::futex_call_count();
        const double cpu_before = process_cpu_seconds();
        const auto called = std::chrono::steady_clock::now();
        const double seconds = bench::watched(contenders[k].first, [&] { return contenders[k].second(w); });
        // Set-up included on both sides of the ratio: it is CPU time, but not in `seconds`.
        const std::chrono::duration<double> call_seconds = std::chrono::steady_clock::now() - called;
        tally& t = all[c][k];
        t.cpus_busy.push_back((process_cpu_seconds() - cpu_before) / call_seconds.count());
        t.futex_calls += ringpipe::core::futex_call_count() - futex_calls_before;
        t.bytes += w.total;
        t.rates.push_back(double(w.total) / seconds / 1e9);
        fmt::print(" {:6.2f}", t.rates.back());
      }
    }
    fmt::print("\n");
    std::fflush(stdout);
  }
  return all;
}

// Prints the table, the ratios and the targets; returns whether every target was met. CPUs is the median
// of the process's CPU time over wall time: near 2 the two threads ran side by side; near 1 or below they
// shared one CPU while other work held the rest, which decides the ringpipe figures more than anything.
bool report(const results& all) {
  fmt::print("\n{:<8}{:<32}{:>12}{:>8}{:>8}{:>11}{:>6}\n", "chunk", "contender", "median GB/s", "min", "max",
             "futex/GiB", "CPUs");
  for (std::size_t c = 0; c < std::size(chunk_sizes); ++c)
    for (std::size_t k = 0; k < std::size(contenders); ++k) {
      const tally& t = all[c][k];
      const double futex_per_gib = double(t.futex_calls) * double(1 << 30) / double(t.bytes);
      const auto [low, high] = std::minmax_element(t.rates.begin(), t.rates.end());
      fmt::print("{:<8}{:<32}{:>12.2f}{:>8.2f}{:>8.2f}{:>11}{:>6.1f}\n",
                 fmt::format("{} KiB", chunk_sizes[c] >> 10), contenders[k].first, bench::median(t.rates),
                 *low, *high, k < pipe_index ? fmt::format("{:.1f}", futex_per_gib) : "-",
                 bench::median(t.cpus_busy));
    }
  const auto ratio = [&](std::size_t c, std::size_t k, std::size_t other) {
    return bench::median(all[c][k].rates) / bench::median(all[c][other].rates);
  };
  fmt::print("\n{:<40}{:>8}{:>8}\n", "ratio of medians", "64 KiB", "4 KiB");
  for (std::size_t k : {0, 1}) {
    fmt::print("{:<40}{:>7.1f}x{:>7.1f}x\n", fmt::format("{} / pipe(2)", contenders[k].first),
               ratio(0, k, pipe_index), ratio(1, k, pipe_index));
    fmt::print("{:<40}{:>7.0f}%{:>7.0f}%\n", fmt::format("{} / ceiling", contenders[k].first),
               100 * ratio(0, k, ceiling_index), 100 * ratio(1, k, ceiling_index));
  }
  const double times_pipe = ratio(0, copying_ringpipe, pipe_index);
  const double share_of_ceiling = ratio(0, copying_ringpipe, ceiling_index);
  const bool beats_pipe = times_pipe >= target_times_pipe,
             nears_ceiling = share_of_ceiling >= target_share_of_ceiling;
  fmt::print("\ntargets at 64 KiB, {} (exit status 0 regardless, unless --strict):\n",
             contenders[copying_ringpipe].first);
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
          "Throughput of a 1 MiB ring against pipe(2) and a bare two-thread ring, at 64 KiB and 4 KiB "
          "chunks",
      .bytes_are = "bytes per contender, chunk size and round",
      .defaults = {.bytes = std::uint64_t{2} << 30, .rounds = 5},
      .quick = {.bytes = std::uint64_t{64} << 20, .rounds = 3}};
  // A pipe(2) reader that fails must turn into EPIPE in the writer, not kill the process.
  std::signal(SIGPIPE, SIG_IGN);
  return bench::run_main(argc, argv, line, [](const bench::options& opt) {
    fmt::print("ringpipe_bench on {} CPUs: {} MiB per contender, chunk size and round; {} rounds; ring and "
               "pipe buffer 1 MiB; GB = 1e9 bytes\nround columns: ",
               std::thread::hardware_concurrency(), opt.bytes >> 20, opt.rounds);
    for (const auto& [name, run] : contenders)
      fmt::print("{}; ", name);
    fmt::print("\n");
    return report(measure(opt.bytes, opt.rounds));
  });
}
