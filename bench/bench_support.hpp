// What a ringpipe benchmark needs besides its contenders: moving a stream through one chunk of memory,
// timing a producer thread against a consumer thread, medians and percentiles, the CPU share of a run,
// the table rows and target lines, and the command line.
#pragma once

#include <algorithm>
#include <cerrno>
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
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <sys/resource.h>

#include <CLI/CLI.hpp>
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

struct options {
  std::uint64_t bytes = std::uint64_t{2} << 30;
  int rounds = 5;
  // Round trips per latency contender and round; 0 for a benchmark that measures no latency.
  std::uint64_t round_trips = 0;
  bool strict = false;
  std::string csv = {};   // --csv: where the figures go as CSV too (csv_output); empty: nowhere
  std::string sweep = {}; // --sweep: what to sweep instead of measuring the targets' points; empty: nothing
};

// A run's figures as CSV, for scripts/plots.sh and other scripts. One schema for every benchmark, one row
// per figure: `table,contender,x,median,min,max,cpus`. `table` names what was swept (chunk, ring, cdf,
// ...), `x` is the point on its axis (bytes, a fraction), `contender` a short name without spaces or
// commas. A row of a single value (a point of a latency CDF) has empty min, max and cpus.
class csv_output {
public:
  explicit csv_output(const std::string& path) {
    if (path.empty()) return;
    file_ = std::fopen(path.c_str(), "w");
    if (file_ == nullptr) throw std::system_error(errno, std::system_category(), "--csv " + path);
    fmt::print(file_, "table,contender,x,median,min,max,cpus\n");
  }
  csv_output(const csv_output&) = delete;
  csv_output& operator=(const csv_output&) = delete;
  ~csv_output() {
    if (file_ != nullptr) std::fclose(file_);
  }

  void row(std::string_view table, std::string_view contender, double x, const tally& t) {
    if (file_ == nullptr) return;
    const auto [low, high] = std::minmax_element(t.values.begin(), t.values.end());
    fmt::print(file_, "{},{},{},{:.6g},{:.6g},{:.6g},{:.2f}\n", table, contender, x, t.median_value(), *low,
               *high, median(t.cpus_busy));
  }
  void row(std::string_view table, std::string_view contender, double x, double value) {
    if (file_ != nullptr) fmt::print(file_, "{},{},{},{:.6g},,,\n", table, contender, x, value);
  }

  // The distribution of `samples` as rows of `table`: x the share of samples at or below `median`, at every
  // percent and at 99.5, 99.9, 99.99 and 100 %.
  void cdf(std::string_view table, std::string_view contender, std::vector<double> samples) {
    if (file_ == nullptr || samples.empty()) return;
    std::sort(samples.begin(), samples.end());
    std::vector<double> fractions;
    for (int percent = 1; percent <= 99; ++percent)
      fractions.push_back(percent / 100.0);
    fractions.insert(fractions.end(), {0.995, 0.999, 0.9999, 1.0});
    for (const double fraction : fractions) {
      const auto rank = static_cast<std::size_t>(std::ceil(fraction * double(samples.size())));
      row(table, contender, fraction, samples[std::clamp<std::size_t>(rank, 1, samples.size()) - 1]);
    }
  }

private:
  std::FILE* file_ = nullptr;
};

// A benchmark's command line: its name and purpose for --help, what its --bytes counts, its defaults,
// and what --quick sets instead.
struct command_line {
  std::string_view program;
  std::string_view description;
  std::string_view bytes_are;
  options defaults;
  options quick;
  std::vector<std::string> sweeps = {}; // what --sweep may name, with what each sweeps; none: no --sweep
  std::string_view sweeps_are = {};
};

// 2G, 64M, 1536K: a byte count as --bytes reads it.
inline std::string format_bytes(std::uint64_t bytes) {
  for (const auto& [shift, suffix] : {std::pair{30, "G"}, std::pair{20, "M"}, std::pair{10, "K"}})
    if (bytes % (std::uint64_t{1} << shift) == 0) return fmt::format("{}{}", bytes >> shift, suffix);
  return fmt::format("{}", bytes);
}

// Describes the command line `line` to `app`, which writes what it parses into `opt`. Each option
// takes effect where it stands, as --quick is shorthand for the options it sets: `--quick --rounds 9`
// runs 9 rounds, `--rounds 9 --quick` the quick number.
inline void add_options(CLI::App& app, options& opt, const command_line& line) {
  constexpr auto unbounded = std::numeric_limits<std::uint64_t>::max();
  opt = line.defaults;
  app.add_option("--bytes", opt.bytes, std::string(line.bytes_are))
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::Range(std::uint64_t{1} << 20, unbounded))
      ->default_str(format_bytes(line.defaults.bytes))
      ->trigger_on_parse();
  app.add_option("--rounds", opt.rounds, "rounds; the tables quote medians")
      ->check(CLI::Range(1, std::numeric_limits<int>::max()))
      ->capture_default_str()
      ->trigger_on_parse();
  std::string quick_help =
      fmt::format("a smoke run: --bytes {} --rounds {}", format_bytes(line.quick.bytes), line.quick.rounds);
  if (line.defaults.round_trips != 0) {
    app.add_option("--round-trips", opt.round_trips, "round trips per contender and round")
        ->check(CLI::Range(std::uint64_t{100}, unbounded))
        ->capture_default_str()
        ->trigger_on_parse();
    quick_help += fmt::format(" --round-trips {}", line.quick.round_trips);
  }
  app.add_flag_callback(
         "--quick",
         [&opt, &quick = line.quick] {
           opt.bytes = quick.bytes;
           opt.rounds = quick.rounds;
           opt.round_trips = quick.round_trips;
         },
         quick_help)
      ->trigger_on_parse();
  app.add_flag("--strict", opt.strict, "exit with 1 when a target is missed (default: report it, exit 0)");
  app.add_option("--csv", opt.csv,
                 "also write the figures to this file as CSV (table,contender,x,median,...)");
  if (!line.sweeps.empty())
    app.add_option("--sweep", opt.sweep, std::string(line.sweeps_are))->check(CLI::IsMember(line.sweeps));
}

// A benchmark's main: parses the command line (--help; a bad one is refused with CLI11's message and
// exit status, 100 and above), runs body(options), which returns whether every target was met, and
// exits with 1 when one was missed under --strict, 2 when the benchmark failed (wrong bytes delivered,
// a system call refused), else 0.
template <class Body>
int run_main(int argc, char** argv, const command_line& line, Body&& body) {
  CLI::App app(std::string(line.description), std::string(line.program));
  options opt;
  add_options(app, opt, line);
  CLI11_PARSE(app, argc, argv);
  try {
    const bool met = body(opt);
    return opt.strict && !met ? 1 : 0;
  } catch (const std::exception& failure) {
    fmt::print(stderr, "{}: {}\n", line.program, failure.what());
    return 2;
  }
}

} // namespace ringpipe::bench
