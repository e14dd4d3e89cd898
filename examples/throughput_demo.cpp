// A producer thread and a consumer thread move a verified stream through a small ring, then report
// throughput and peak memory.
//
//   throughput_demo [--bytes N] [--ring N]     (defaults: 4 GiB through a 1 MiB ring; --help)
//
// The producer writes straight into ring memory (prepare/commit); the consumer reads with read_some,
// as most users would, and checks every byte.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include <asio/system_executor.hpp>

#include <CLI/CLI.hpp>

#include "ringpipe/ringpipe.hpp"

namespace {

// Word k of the stream. Cheap to compute on both sides, and any lost, duplicated or reordered word
// breaks the comparison.
std::uint64_t stream_word(std::uint64_t k) { return (k + 1) * 0x9e3779b97f4a7c15ull; }

void produce(ringpipe::writer& w, std::uint64_t words) {
  std::uint64_t k = 0;
  while (k < words) {
    w.wait();
    const asio::mutable_buffer space = w.prepare((words - k) * 8);
    // The ring's capacity is a multiple of the page size, so runs stay 8-byte aligned.
    auto* out = static_cast<std::uint64_t*>(space.data());
    const std::size_t n = space.size() / 8;
    for (std::size_t i = 0; i < n; ++i)
      out[i] = stream_word(k + i);
    w.commit(n * 8);
    k += n;
  }
  w.close();
}

// Returns the number of bytes received, or stops the program at the first wrong byte.
std::uint64_t consume(ringpipe::reader& r) {
  std::vector<std::uint64_t> chunk(8192);
  std::uint64_t k = 0;
  std::error_code ec;
  std::size_t pending = 0; // bytes of a partial word carried to the next read
  for (;;) {
    const std::size_t n = r.read_some(
        asio::buffer(reinterpret_cast<char*>(chunk.data()) + pending, chunk.size() * 8 - pending), ec);
    if (ec) break;
    const std::size_t bytes = pending + n;
    for (std::size_t i = 0; i < bytes / 8; ++i, ++k) {
      if (chunk[i] != stream_word(k)) {
        std::fprintf(stderr, "mismatch at byte %llu\n", static_cast<unsigned long long>(k * 8));
        std::exit(1);
      }
    }
    pending = bytes % 8;
    std::memmove(chunk.data(), reinterpret_cast<char*>(chunk.data()) + bytes - pending, pending);
  }
  if (ec != asio::error::eof) {
    std::fprintf(stderr, "read failed: %s\n", ec.message().c_str());
    std::exit(1);
  }
  return k * 8 + pending;
}

// Peak resident memory of this process (VmHWM), in KiB.
long peak_memory_kib() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmHWM:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  return -1;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app("Moves a verified stream from a producer thread to a consumer thread through a ring",
               "throughput_demo");
  std::uint64_t requested_bytes = std::uint64_t{4} << 30;
  std::size_t ring_size = 1 << 20;
  app.add_option("--bytes", requested_bytes, "bytes to move, rounded down to whole 8-byte words")
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::Range(std::uint64_t{8}, std::numeric_limits<std::uint64_t>::max()))
      ->capture_default_str();
  app.add_option("--ring", ring_size, "bytes in the ring")
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::Range(std::uint64_t{1}, ringpipe::core::max_capacity))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  const std::uint64_t bytes = requested_bytes / 8 * 8;
  try {
    // make_pipe(executor, size) does these three steps; spelled out here to show the ring's mapping.
    const ringpipe::ring memory = ringpipe::create_ring(ring_size);
    ringpipe::writer w(asio::system_executor(), memory);
    ringpipe::reader r(asio::system_executor(), memory);
    std::printf("ringpipe demo: moving %.2f GiB through a %zu KiB %s ring\n", bytes / double(1 << 30),
                memory.capacity() / 1024, memory.mirrored() ? "mirrored" : "split");
    const auto start = std::chrono::steady_clock::now();
    std::thread producer([&w, bytes] { produce(w, bytes / 8); });
    const std::uint64_t received = consume(r);
    producer.join();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (received != bytes) {
      std::fprintf(stderr, "received %llu of %llu bytes\n", static_cast<unsigned long long>(received),
                   static_cast<unsigned long long>(bytes));
      return 1;
    }
    std::printf("verified %llu bytes in %.3f s: %.2f GB/s\n", static_cast<unsigned long long>(received),
                seconds, received / seconds / 1e9);
    std::printf("peak resident memory: %.1f MiB\n", peak_memory_kib() / 1024.0);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ringpipe demo: %s\n", e.what());
    return 1;
  }
}
