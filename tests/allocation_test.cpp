// Steady state allocates nothing per operation beyond Asio's own handler recycling. Counted with a
// replaced global operator new, so this test has an executable of its own; under AddressSanitizer,
// which owns operator new, with its allocation hook instead.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/post.hpp>

#include "ringpipe/ringpipe.hpp"

#if defined(__SANITIZE_ADDRESS__)
// From the sanitizers' public interface (sanitizer/allocator_interface.h, which g++'s packages do not
// install): hooks called on every allocation and release.
extern "C" int __sanitizer_install_malloc_and_free_hooks(void (*on_malloc)(const volatile void*, std::size_t),
                                                         void (*on_free)(const volatile void*));
#endif

namespace {
std::atomic<std::uint64_t> allocations{0};

void count_allocation() noexcept {
  // relaxed: a statistic read after the work it counts, on the same thread.
  allocations.fetch_add(1, std::memory_order_relaxed);
}
} // namespace

#if defined(__SANITIZE_ADDRESS__)
namespace {
void on_malloc(const volatile void*, std::size_t) { count_allocation(); }
void on_free(const volatile void*) {}
[[maybe_unused]] const int hooks_installed = __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
} // namespace
#else
// g++ 12 sees the replaced operator delete inlined next to std::free and reports a mismatch it
// cannot see is intended: these replacements pair malloc with free, on purpose.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

void* operator new(std::size_t size) {
  count_allocation();
  if (void* memory = std::malloc(size == 0 ? 1 : size)) return memory;
  throw std::bad_alloc();
}
void operator delete(void* memory) noexcept { std::free(memory); }
void operator delete(void* memory, std::size_t) noexcept { std::free(memory); }
#endif

namespace {

// A writer and a reader that each start their next operation from the previous one's handler. The
// writer yields once between writes, so the reader drains the ring and parks every round, and the
// writer's commit resumes it: the whole park / wake / resume / complete path runs each time.
struct streaming_pair {
  ringpipe::writer& w;
  ringpipe::reader& r;
  std::vector<char> out = std::vector<char>(4096, 'x');
  std::vector<char> in = std::vector<char>(8192); // larger than a write: each read drains the ring
  std::uint64_t remaining_writes;
  std::uint64_t received = 0;
  std::uint64_t reads = 0;

  void write() {
    if (remaining_writes-- == 0) return w.close();
    w.async_write_some(asio::buffer(out), [this](std::error_code ec, std::size_t) {
      if (!ec) asio::post(w.get_executor(), [this] { write(); });
    });
  }

  void read() {
    r.async_read_some(asio::buffer(in), [this](std::error_code ec, std::size_t n) {
      received += n;
      ++reads;
      if (!ec) read();
    });
  }
};

} // namespace

TEST_CASE("steady-state asynchronous streaming allocates nothing per operation") {
  asio::io_context io(1);
  auto [w, r] = ringpipe::make_pipe(io, 16 * 1024);
  streaming_pair pair{.w = w, .r = r, .remaining_writes = 200000};
  pair.write();
  pair.read();
  // Warm up: Asio's per-thread recycling caches fill during the first operations.
  for (int i = 0; i < 1000; ++i)
    io.run_one();
  const std::uint64_t before = allocations.load(std::memory_order_relaxed);
  const std::uint64_t received_before = pair.received;
  const std::uint64_t parks_before = ringpipe::core::futex_call_count();
  for (int i = 0; i < 100000; ++i)
    io.run_one();
  const std::uint64_t during = allocations.load(std::memory_order_relaxed) - before;
  INFO("bytes moved while counting: " << pair.received - received_before);
  CHECK(pair.received - received_before > 64 * 1024 * 1024);
  CHECK(during == 0);
  // Parking is not sleeping: no thread slept and no futex call was made.
  CHECK(ringpipe::core::futex_call_count() == parks_before);
}
