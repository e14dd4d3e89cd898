// What a ringpipe benchmark needs besides its contenders: moving a stream through one chunk of memory,
// timing a producer thread against a consumer thread, medians, and the command line.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <future>
#include <latch>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

inline constexpr std::string_view usage =
    "usage: ringpipe_bench [--bytes N[K|M|G]] [--rounds N] [--quick] [--strict]\n"
    "  --bytes N   bytes per contender, chunk size and round; at least 1M (default 2G)\n"
    "  --rounds N  rounds; the table quotes medians (default 5)\n"
    "  --quick     a smoke run: --bytes 64M --rounds 3\n"
    "  --strict    exit with 1 when a target is missed (default: report it, exit 0)\n";

struct options {
  std::uint64_t bytes = std::uint64_t{2} << 30;
  int rounds = 5;
  bool strict = false;
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

// Throws std::invalid_argument or std::out_of_range for a command line `usage` does not allow.
inline options parse_options(int argc, char** argv) {
  options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--bytes" && has_value)
      opt.bytes = parse_bytes(argv[++i]);
    else if (arg == "--rounds" && has_value)
      opt.rounds = std::stoi(argv[++i]);
    else if (arg == "--quick")
      opt.bytes = std::uint64_t{64} << 20, opt.rounds = 3;
    else if (arg == "--strict")
      opt.strict = true;
    else
      throw std::invalid_argument("bad argument '" + std::string(arg) + "'");
  }
  if (opt.bytes < (std::uint64_t{1} << 20) || opt.rounds < 1)
    throw std::invalid_argument("--bytes or --rounds too small");
  return opt;
}

} // namespace ringpipe::bench
