// Throughput of a 1 MiB ringpipe against pipe(2) with a 1 MiB buffer and a one-thread memcpy, at
// 64 KiB and 4 KiB chunks. bench/README.md says what each contender does, why, and what it measured.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <future>
#include <latch>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include <asio/buffer.hpp>
#include <asio/system_executor.hpp>
#include <fmt/core.h>

#include "ringpipe/ringpipe.hpp"

namespace {

constexpr std::size_t ring_capacity = std::size_t{1} << 20;
constexpr std::size_t chunk_sizes[] = {std::size_t{64} << 10, std::size_t{4} << 10};
constexpr double bytes_per_gib = double(std::uint64_t{1} << 30);

// The targets, judged at 64 KiB on the copying ringpipe: like pipe(2) it copies every byte in
// and out, so it is the like-for-like contender.
constexpr double target_times_pipe = 6.0;
constexpr double target_share_of_memcpy = 0.5;

struct options {
  std::uint64_t bytes = std::uint64_t{2} << 30;
  int rounds = 5;
  bool strict = false;
  bool help = false;
};

// What one run moves: `total` bytes, one chunk at a time, every chunk the same `source` bytes (hot in
// the producer's cache, as for a producer that just built them). Copying consumers put stream byte p
// at landing[p % chunk], so that after a run `landing` must equal `source`.
struct workload {
  std::vector<std::byte> source;
  std::vector<std::byte> landing;
  std::uint64_t total;

  workload(std::size_t chunk, std::uint64_t bytes) : source(chunk), landing(chunk), total(bytes / chunk * chunk) {
    for (std::size_t i = 0; i < chunk; ++i) source[i] = static_cast<std::byte>((i * 2654435761u) >> 13);
  }
  std::size_t chunk() const noexcept { return source.size(); }
};

// Reads every byte in place, as a consumer parsing its input where it lies would. The sum keeps the
// compiler from dropping the reads and lets the run check what arrived.
std::uint64_t sum_words(const std::byte* data, std::size_t size) noexcept {
  std::uint64_t sum = 0;
  std::size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    std::uint64_t word;
    std::memcpy(&word, data + i, 8);
    sum += word;
  }
  for (; i < size; ++i) sum += std::to_integer<std::uint64_t>(data[i]);
  return sum;
}

void require(bool delivered_right, const char* contender) {
  if (!delivered_right) throw std::runtime_error(std::string(contender) + " delivered wrong bytes");
}

// Runs `task`, destroying it before returning or unwinding: the endpoint it owns closes then, so a side
// that fails makes its peer fail (eof, broken pipe) instead of leaving it blocked forever.
template <class Task>
void run_and_close(Task& task) {
  Task owned = std::move(task);
  owned();
}

// Runs produce() on a new thread and consume() on this one, released together. Returns the seconds from
// the release until consume() returned, i.e. until the last byte was read.
template <class Produce, class Consume>
double timed_transfer(Produce produce, Consume consume) {
  std::latch start(2);
  auto producer = std::async(std::launch::async, [&] {
    start.arrive_and_wait();
    run_and_close(produce);
  });
  start.arrive_and_wait();
  const auto began = std::chrono::steady_clock::now();
  run_and_close(consume);
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - began;
  producer.get();
  return elapsed.count();
}

// Sends w.total bytes, cycling through the source chunk; write_some(data, size) returns how many it took.
template <class WriteSome>
void send_chunks(const workload& w, WriteSome write_some) {
  for (std::uint64_t sent = 0; sent < w.total;) {
    const std::size_t offset = sent % w.chunk();
    sent += write_some(w.source.data() + offset, w.chunk() - offset);
  }
}

// Receives w.total bytes into the landing chunk; read_some(data, size) returns how many it got.
template <class ReadSome>
void receive_chunks(workload& w, ReadSome read_some) {
  for (std::uint64_t received = 0; received < w.total;) {
    const std::size_t offset = received % w.chunk();
    received += read_some(w.landing.data() + offset, w.chunk() - offset);
  }
}

double ringpipe_copy(workload& w) {
  auto [writer, reader] = ringpipe::make_pipe(asio::system_executor(), ring_capacity);
  std::fill(w.landing.begin(), w.landing.end(), std::byte{0});
  const double seconds = timed_transfer(
      [&w, writer = std::move(writer)]() mutable {
        send_chunks(w, [&](const std::byte* data, std::size_t size) {
          return writer.write_some(asio::buffer(data, size));
        });
      },
      [&w, reader = std::move(reader)]() mutable {
        receive_chunks(w, [&](std::byte* data, std::size_t size) { return reader.read_some(asio::buffer(data, size)); });
      });
  require(w.landing == w.source, "ringpipe write_some/read_some");
  return seconds;
}

// Zero-copy writer: builds each chunk straight in ring memory (memcpy standing in for producing it).
void send_in_place(ringpipe::writer& writer, const workload& w) {
  for (std::uint64_t sent = 0; sent < w.total;) {
    const std::size_t offset = sent % w.chunk();
    const asio::mutable_buffer room = writer.prepare(w.chunk() - offset);
    if (room.size() == 0) {
      writer.wait();
      continue;
    }
    std::memcpy(room.data(), w.source.data() + offset, room.size());
    writer.commit(room.size());
    sent += room.size();
  }
}

// Zero-copy reader: reads each chunk where it lies and releases it, at most one chunk per consume like a
// consumer handling one message at a time (releasing all of data() at once would starve the writer).
std::uint64_t receive_in_place(ringpipe::reader& reader, const workload& w) {
  std::uint64_t sum = 0;
  for (std::uint64_t received = 0; received < w.total;) {
    const asio::const_buffer ready = reader.data();
    if (ready.size() == 0) {
      reader.wait();
      continue;
    }
    const std::size_t size = std::min<std::uint64_t>(ready.size(), w.chunk() - received % w.chunk());
    sum += sum_words(static_cast<const std::byte*>(ready.data()), size);
    reader.consume(size);
    received += size;
  }
  return sum;
}

double ringpipe_in_place(workload& w) {
  auto [writer, reader] = ringpipe::make_pipe(asio::system_executor(), ring_capacity);
  std::uint64_t sum = 0;
  const double seconds = timed_transfer([&w, writer = std::move(writer)]() mutable { send_in_place(writer, w); },
                                        [&, reader = std::move(reader)]() mutable { sum = receive_in_place(reader, w); });
  // Every span starts at a multiple of 8 in the stream (chunks and the ring are), so the words line up.
  require(sum == w.total / w.chunk() * sum_words(w.source.data(), w.chunk()), "ringpipe prepare/commit");
  return seconds;
}

class file_descriptor {
public:
  explicit file_descriptor(int fd) noexcept : fd_(fd) {}
  file_descriptor(file_descriptor&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  file_descriptor& operator=(file_descriptor&&) = delete;
  ~file_descriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const noexcept { return fd_; }

private:
  int fd_;
};

std::size_t transferred(ssize_t result, const char* call) {
  if (result < 0) throw std::system_error(errno, std::system_category(), call);
  if (result == 0) throw std::runtime_error(std::string(call) + ": the pipe closed early");
  return static_cast<std::size_t>(result);
}

double pipe_copy(workload& w) {
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0) throw std::system_error(errno, std::system_category(), "pipe2");
  file_descriptor read_end(ends[0]), write_end(ends[1]);
  // As large as the ring: the default 64 KiB would hold a single 64 KiB chunk.
  if (::fcntl(write_end.get(), F_SETPIPE_SZ, static_cast<int>(ring_capacity)) < static_cast<int>(ring_capacity))
    throw std::system_error(errno, std::system_category(), "F_SETPIPE_SZ 1 MiB (see /proc/sys/fs/pipe-max-size)");
  std::fill(w.landing.begin(), w.landing.end(), std::byte{0});
  const double seconds = timed_transfer(
      [&w, fd = std::move(write_end)] {
        send_chunks(w, [&](const std::byte* data, std::size_t size) {
          return transferred(::write(fd.get(), data, size), "write");
        });
      },
      [&w, fd = std::move(read_end)] {
        receive_chunks(w, [&](std::byte* data, std::size_t size) {
          return transferred(::read(fd.get(), data, size), "read");
        });
      });
  require(w.landing == w.source, "pipe(2)");
  return seconds;
}

// The ceiling: one thread copying the chunks into a 1 MiB buffer it cycles through, as the ring's writer
// does, but with no reader, no second core and no synchronisation. The buffer is touched beforehand.
double memcpy_ceiling(workload& w) {
  std::vector<std::byte> destination(ring_capacity);
  const auto began = std::chrono::steady_clock::now();
  for (std::uint64_t copied = 0; copied < w.total; copied += w.chunk())
    std::memcpy(destination.data() + copied % ring_capacity, w.source.data(), w.chunk());
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - began;
  const std::byte* last = destination.data() + (w.total - w.chunk()) % ring_capacity;
  require(std::equal(w.source.begin(), w.source.end(), last), "memcpy");
  return elapsed.count();
}

struct contender {
  const char* name;
  double (*run)(workload&);
  bool uses_futex;
};

constexpr contender contenders[] = {
    {"ringpipe write_some/read_some", ringpipe_copy, true},
    {"ringpipe prepare/commit+data/consume", ringpipe_in_place, true},
    {"pipe(2) write/read", pipe_copy, false},
    {"memcpy, one thread (ceiling)", memcpy_ceiling, false},
};
constexpr std::size_t contender_count = std::size(contenders);

struct tally {
  std::vector<double> rates; // GB/s, one per round
  std::uint64_t futex_calls = 0;
  std::uint64_t bytes = 0;

  double median() const {
    std::vector<double> sorted = rates;
    std::sort(sorted.begin(), sorted.end());
    const std::size_t middle = sorted.size() / 2;
    return sorted.size() % 2 != 0 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  }
};

using results = std::vector<std::vector<tally>>; // [chunk][contender]

// Each round runs every contender once per chunk size in turn, so that drift in the machine's load
// spreads over all of them instead of favouring whichever ran in a quiet spell.
results measure(const options& opt) {
  results all(std::size(chunk_sizes), std::vector<tally>(contender_count));
  for (int round = 1; round <= opt.rounds; ++round) {
    fmt::print("round {}/{}:", round, opt.rounds);
    for (std::size_t c = 0; c < std::size(chunk_sizes); ++c) {
      workload w(chunk_sizes[c], opt.bytes);
      fmt::print("  {:2} KiB", chunk_sizes[c] >> 10);
      for (std::size_t k = 0; k < contender_count; ++k) {
        const std::uint64_t futex_before = ringpipe::core::futex_call_count();
        const double seconds = contenders[k].run(w);
        tally& t = all[c][k];
        t.futex_calls += ringpipe::core::futex_call_count() - futex_before;
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

// Prints the table and the targets; returns whether every target was met.
bool report(const results& all) {
  fmt::print("\n{:<8}{:<38}{:>12}{:>8}{:>8}{:>14}\n", "chunk", "contender", "median GB/s", "min", "max",
             "futex/GiB");
  for (std::size_t c = 0; c < std::size(chunk_sizes); ++c)
    for (std::size_t k = 0; k < contender_count; ++k) {
      const tally& t = all[c][k];
      const auto [low, high] = std::minmax_element(t.rates.begin(), t.rates.end());
      const std::string futex =
          contenders[k].uses_futex ? fmt::format("{:.1f}", double(t.futex_calls) / (double(t.bytes) / bytes_per_gib)) : "-";
      fmt::print("{:<8}{:<38}{:>12.2f}{:>8.2f}{:>8.2f}{:>14}\n", fmt::format("{} KiB", chunk_sizes[c] >> 10),
                 contenders[k].name, t.median(), *low, *high, futex);
    }
  fmt::print("\n{:<44}{:>10}{:>10}\n", "ratios of medians", "64 KiB", "4 KiB");
  for (std::size_t k : {0, 1}) {
    const auto ratio = [&](std::size_t c, std::size_t other) { return all[c][k].median() / all[c][other].median(); };
    fmt::print("{:<44}{:>9.1f}x{:>9.1f}x\n", fmt::format("{} / pipe(2)", contenders[k].name), ratio(0, 2), ratio(1, 2));
    fmt::print("{:<44}{:>9.0f}%{:>9.0f}%\n", fmt::format("{} / memcpy", contenders[k].name), 100 * ratio(0, 3),
               100 * ratio(1, 3));
  }
  const double times_pipe = all[0][0].median() / all[0][2].median();
  const double share_of_memcpy = all[0][0].median() / all[0][3].median();
  const bool fast_enough = times_pipe >= target_times_pipe, close_enough = share_of_memcpy >= target_share_of_memcpy;
  fmt::print("\ntargets at 64 KiB, ringpipe write_some/read_some:\n");
  fmt::print("  >= {:.0f}x pipe(2):     {:5.1f}x  {}\n", target_times_pipe, times_pipe, fast_enough ? "PASS" : "MISS");
  fmt::print("  >= {:.0f}% of memcpy:  {:5.0f}%  {}\n", 100 * target_share_of_memcpy, 100 * share_of_memcpy,
             close_enough ? "PASS" : "MISS");
  return fast_enough && close_enough;
}

// A byte count with an optional binary suffix: 512M, 2G.
std::uint64_t parse_bytes(std::string_view text) {
  std::size_t digits = 0;
  const std::uint64_t number = std::stoull(std::string(text), &digits);
  const std::string_view suffix = text.substr(digits);
  const int shift = suffix.empty() ? 0 : suffix == "K" ? 10 : suffix == "M" ? 20 : suffix == "G" ? 30 : -1;
  if (shift < 0) throw std::invalid_argument("bad size suffix in '" + std::string(text) + "'");
  return number << shift;
}

constexpr std::string_view usage = "usage: ringpipe_bench [--bytes N[K|M|G]] [--rounds N] [--quick] [--strict] [--help]\n"
                                   "  --bytes   bytes per contender per round (default 2G)\n"
                                   "  --rounds  rounds, medians are quoted (default 5)\n"
                                   "  --quick   smoke run: --bytes 64M --rounds 3\n"
                                   "  --strict  exit 1 when a target is missed\n";

options parse_options(int argc, char** argv) {
  options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const auto value = [&] {
      if (i + 1 == argc) throw std::invalid_argument(std::string(arg) + " needs a value");
      return std::string_view(argv[++i]);
    };
    if (arg == "--bytes") opt.bytes = parse_bytes(value());
    else if (arg == "--rounds") opt.rounds = std::stoi(std::string(value()));
    else if (arg == "--quick") opt.bytes = std::uint64_t{64} << 20, opt.rounds = 3;
    else if (arg == "--strict") opt.strict = true;
    else if (arg == "--help") opt.help = true;
    else throw std::invalid_argument("unknown option " + std::string(arg));
  }
  if (opt.bytes < ring_capacity || opt.rounds < 1)
    throw std::invalid_argument("--bytes must be at least 1M and --rounds at least 1");
  return opt;
}

} // namespace

int main(int argc, char** argv) {
  try {
    const options opt = parse_options(argc, argv);
    if (opt.help) {
      fmt::print("{}", usage);
      return 0;
    }
    // A failing pipe(2) reader must turn into an EPIPE error in the writer, not kill the process.
    std::signal(SIGPIPE, SIG_IGN);
    fmt::print("ringpipe_bench: {} MiB per contender per round, {} rounds, ring and pipe buffer 1 MiB, "
               "GB = 1e9 bytes\ncolumns per chunk size: ", opt.bytes >> 20, opt.rounds);
    for (const contender& k : contenders) fmt::print("{}; ", k.name);
    fmt::print("\n");
    const bool met = report(measure(opt));
    return opt.strict && !met ? 1 : 0;
  } catch (const std::invalid_argument& failure) {
    fmt::print(stderr, "ringpipe_bench: {}\n{}", failure.what(), usage);
    return 2;
  } catch (const std::exception& failure) {
    fmt::print(stderr, "ringpipe_bench: {}\n", failure.what());
    return 2;
  }
}
