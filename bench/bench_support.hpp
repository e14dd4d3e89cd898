// What a ringpipe benchmark needs besides its contenders: moving a stream through one chunk of memory,
// timing a producer thread against a consumer thread, medians and percentiles, the CPU share of a run,
// the table rows and target lines, and the command line.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <exception>
#include <future>
#include <latch>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <sys/resource.h>

#include <fmt/core.h>

#include "watchdog.hpp"

namespace ringpipe::bench {

// Moves `total` bytes between a stream and one chunk of memory, wrapping around the chunk;
// transfer(address, size) moves at most `size` bytes and returns how many it moved.
template <class Byte, class Transfer>
void stream_chunks(Byte* chunk, std::size_t chunk_size, std::uint64_t total, Transfer&& transfer) {
  for (std::uint64_t done = 0; done < total;) {
    const std::size_t offset = done % chunk_size;
    done += transfer(chunk + offset, chunk_size - offset);
  }
}

// Runs `task`, destroying it before returning or unwinding: the endpoint it owns closes then, so a side
// that fails makes its peer fail (eof, broken pipe) instead of leaving it blocked forever.
template <class Task>
void run_and_close(Task& task) {
  Task owned = std::move(task);
  owned();
}

// Runs produce() on a new thread and consume() on this one, released together so that thread start-up
// is not timed. Returns the seconds from the release until consume() returned, i.e. until the last byte
// was read. An exception from either side is rethrown here.
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

inline double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t middle = values.size() / 2;
  return values.size() % 2 != 0 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

// The value below which `fraction` of the values lie (nearest rank): percentile(v, 0.99) is the p99.
inline double percentile(std::vector<double> values, double fraction) {
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<std::size_t>(std::ceil(fraction * double(values.size())));
  return values[std::clamp<std::size_t>(rank, 1, values.size()) - 1];
}

// Reads every byte in place, `size` being a multiple of 64: the sum of its 64-bit words. Pairs of words
// (GCC's and Clang's vector extension) in four chains add at memcpy speed, so a consumer that checks
// what arrived this way does not hide the cost of the transport it measures.
inline std::uint64_t sum_words(const std::byte* data, std::size_t size) noexcept {
  using word_pair = std::uint64_t __attribute__((vector_size(16)));
  word_pair a{}, b{}, c{}, d{};
  for (std::size_t i = 0; i + 64 <= size; i += 64) {
    word_pair line[4];
    std::memcpy(line, data + i, 64);
    a += line[0], b += line[1], c += line[2], d += line[3];
  }
  const word_pair sum = a + b + c + d;
  return sum[0] + sum[1];
}

// CPU time used so far by this process (all threads) and by its children that were waited for.
inline double cpu_seconds_used() noexcept {
  rusage children{};
  ::getrusage(RUSAGE_CHILDREN, &children);
  const auto seconds = [](const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) / 1e6; };
  return double(std::clock()) / CLOCKS_PER_SEC + seconds(children.ru_utime) + seconds(children.ru_stime);
}

// Runs run(), the contender's, under the watchdog, and returns its result with the CPU time it used
// over its wall time: about 2 when two threads (or processes) ran side by side, 1 or less when they
// shared one CPU while other work held the other. On a shared machine that decides the figures more
// than anything else.
template <class Run>
auto with_cpu_share(std::string_view contender, Run&& run) {
  const double cpu_before = cpu_seconds_used();
  const auto began = std::chrono::steady_clock::now();
  auto result = watched(contender, std::forward<Run>(run));
  const std::chrono::duration<double> wall = std::chrono::steady_clock::now() - began;
  return std::pair{std::move(result), (cpu_seconds_used() - cpu_before) / wall.count()};
}

// One contender's figures over the rounds: a value (GB/s, ops/ms, µs) and a CPU share per round.
struct tally {
  std::vector<double> values, cpus_busy;

  void add(double value, double cpus) {
    values.push_back(value);
    cpus_busy.push_back(cpus);
  }
  double median_value() const { return median(values); }
};

// A table of tallies: "name  median  min  max  CPUs", the unit in the header.
inline void print_tally_header(std::string_view unit) {
  fmt::print("{:<64}{:>12}{:>10}{:>10}{:>6}\n", "contender", fmt::format("median {}", unit), "min", "max",
             "CPUs");
}

inline void print_tally(std::string_view name, const tally& t) {
  const auto [low, high] = std::minmax_element(t.values.begin(), t.values.end());
  fmt::print("{:<64}{:>12.2f}{:>10.2f}{:>10.2f}{:>6.1f}\n", name, t.median_value(), *low, *high,
             median(t.cpus_busy));
}

// Prints one target line ("  ringpipe / channel   2.70  (target >= 4.00)  MISS"); returns whether it is met.
inline bool judge(std::string_view what, double achieved, double target, bool at_least = true) {
  const bool met = at_least ? achieved >= target : achieved < target;
  fmt::print("  {:<62}{:>12.2f}  (target {} {:.2f})  {}\n", what, achieved, at_least ? ">=" : "<", target,
             met ? "PASS" : "MISS");
  return met;
}

inline constexpr std::string_view usage =
    "usage: ringpipe_bench [--bytes N[K|M|G]] [--rounds N] [--quick] [--strict]\n"
    "  --bytes N   bytes per contender, chunk size and round; at least 1M (default 2G)\n"
    "  --rounds N  rounds; the table quotes medians (default 5)\n"
    "  --quick     a smoke run: --bytes 64M --rounds 3\n"
    "  --strict    exit with 1 when a target is missed (default: report it, exit 0)\n";

struct options {
  std::uint64_t bytes = std::uint64_t{2} << 30;
  int rounds = 5;
  // Round trips per latency contender and round; 0 for a benchmark that measures no latency.
  std::uint64_t round_trips = 0;
  bool strict = false;
};

// What a benchmark's command line accepts: its defaults, and what --quick sets instead.
struct command_line {
  options defaults;
  options quick;
};

// A byte count with an optional binary suffix: 512M, 2G.
inline std::uint64_t parse_bytes(const std::string& text) {
  std::size_t digits = 0;
  const std::uint64_t number = std::stoull(text, &digits);
  const std::string_view suffix = std::string_view(text).substr(digits);
  const int shift = suffix.empty() ? 0 : suffix == "K" ? 10 : suffix == "M" ? 20 : suffix == "G" ? 30 : -1;
  if (shift < 0) throw std::invalid_argument("bad size '" + text + "'");
  return number << shift;
}

// Throws std::invalid_argument or std::out_of_range for a command line the usage does not allow.
inline options parse_options(int argc, char** argv, const command_line& line) {
  options opt = line.defaults;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--bytes" && has_value)
      opt.bytes = parse_bytes(argv[++i]);
    else if (arg == "--rounds" && has_value)
      opt.rounds = std::stoi(argv[++i]);
    else if (arg == "--round-trips" && has_value && line.defaults.round_trips != 0)
      opt.round_trips = std::stoull(argv[++i]);
    else if (arg == "--quick")
      opt.bytes = line.quick.bytes, opt.rounds = line.quick.rounds, opt.round_trips = line.quick.round_trips;
    else if (arg == "--strict")
      opt.strict = true;
    else
      throw std::invalid_argument("bad argument '" + std::string(arg) + "'");
  }
  if (opt.bytes < (std::uint64_t{1} << 20) || opt.rounds < 1 ||
      (line.defaults.round_trips != 0 && opt.round_trips < 100))
    throw std::invalid_argument("--bytes, --rounds or --round-trips too small");
  return opt;
}

// ringpipe_bench's command line (see `usage`).
inline options parse_options(int argc, char** argv) {
  return parse_options(argc, argv, {options{}, options{.bytes = std::uint64_t{64} << 20, .rounds = 3}});
}

// 2G, 64M, 1536K: a byte count as parse_bytes reads it.
inline std::string format_bytes(std::uint64_t bytes) {
  for (const auto& [shift, suffix] : {std::pair{30, "G"}, std::pair{20, "M"}, std::pair{10, "K"}})
    if (bytes % (std::uint64_t{1} << shift) == 0) return fmt::format("{}{}", bytes >> shift, suffix);
  return fmt::format("{}", bytes);
}

// The usage of a benchmark whose --bytes counts `bytes_are`, with its defaults and its --quick.
inline std::string usage_text(std::string_view program, std::string_view bytes_are,
                              const command_line& line) {
  const options &all = line.defaults, &quick = line.quick;
  const bool trips = all.round_trips != 0;
  std::string text = fmt::format("usage: {} [--bytes N[K|M|G]] [--rounds N]{} [--quick] [--strict]\n",
                                 program, trips ? " [--round-trips N]" : "");
  text += fmt::format("  --bytes N        {} (default {})\n", bytes_are, format_bytes(all.bytes));
  text += fmt::format("  --rounds N       rounds; the tables quote medians (default {})\n", all.rounds);
  if (trips)
    text +=
        fmt::format("  --round-trips N  round trips per contender and round (default {})\n", all.round_trips);
  text += fmt::format("  --quick          a smoke run: --bytes {} --rounds {}", format_bytes(quick.bytes),
                      quick.rounds);
  text += trips ? fmt::format(" --round-trips {}\n", quick.round_trips) : "\n";
  return text + "  --strict         exit with 1 when a target is missed (default: report it, exit 0)\n";
}

// A benchmark's main: parses the command line (exit status 2 and the usage for a bad one), runs
// body(options), which returns whether every target was met, and exits with 1 when one was missed under
// --strict, 2 when the benchmark failed (wrong bytes delivered, a system call refused), else 0.
template <class Body>
int run_main(int argc, char** argv, std::string_view program, std::string_view bytes_are,
             const command_line& line, Body&& body) {
  options opt;
  try {
    opt = parse_options(argc, argv, line);
  } catch (const std::logic_error& bad_usage) { // invalid_argument and out_of_range from the parsing
    fmt::print(stderr, "{}: {}\n{}", program, bad_usage.what(), usage_text(program, bytes_are, line));
    return 2;
  }
  try {
    const bool met = body(opt);
    return opt.strict && !met ? 1 : 0;
  } catch (const std::exception& failure) {
    fmt::print(stderr, "{}: {}\n", program, failure.what());
    return 2;
  }
}

} // namespace ringpipe::bench
