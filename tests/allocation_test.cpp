// Steady state allocates nothing per operation beyond Asio's own handler recycling. Counted with a
// replaced global operator new and aligned_alloc (Asio's recycling cache allocates with the latter), so
// this test has an executable of its own; under AddressSanitizer, which owns both, with its allocation
// hook instead.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <new>
#include <thread>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/write.hpp>

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

// Asio's per-thread recycling cache (asio::aligned_new) gets its blocks here: a miss there is an
// allocation too. posix_memalign is a different symbol, so this does not call itself.
extern "C" void* aligned_alloc(std::size_t alignment, std::size_t size) noexcept {
  count_allocation();
  void* memory = nullptr;
  return posix_memalign(&memory, std::max(alignment, sizeof(void*)), size) == 0 ? memory : nullptr;
}
#endif

namespace {

std::uint64_t allocations_so_far() {
  // relaxed: read on the thread that did the counted work, or after joining the one that did.
  return allocations.load(std::memory_order_relaxed);
}

// A writer and a reader that each start their next operation from the previous one's handler. The
// writer yields once between writes, so the reader drains the ring and parks every round, and the
// writer's commit resumes it: the whole park / wake / resume / complete path runs each time. The
// reader counts allocations over a window of its reads after a warm-up, inside one io_context::run():
// Asio's recycling cache belongs to the run() call, so a loop of run_one() would empty it every step.
struct streaming_pair {
  ringpipe::writer& w;
  ringpipe::reader& r;
  std::vector<char> out = std::vector<char>(4096, 'x');
  std::vector<char> in = std::vector<char>(8192); // larger than a write: each read drains the ring
  std::uint64_t remaining_writes;
  std::uint64_t window_start = 1000;
  std::uint64_t window_end = 60000;
  std::uint64_t received = 0;
  std::uint64_t reads = 0;
  std::uint64_t allocations_at_start = 0;
  std::uint64_t allocations_in_window = 0;
  std::uint64_t received_in_window = 0;
  std::uint64_t futex_calls_in_window = 0;

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
      if (reads == window_start) {
        allocations_at_start = allocations_so_far();
        received_in_window = received;
        futex_calls_in_window = ringpipe::core::futex_call_count();
      } else if (reads == window_end) {
        allocations_in_window = allocations_so_far() - allocations_at_start;
        received_in_window = received - received_in_window;
        futex_calls_in_window = ringpipe::core::futex_call_count() - futex_calls_in_window;
      }
      if (!ec) read();
    });
  }
};

} // namespace

TEST_CASE("steady-state asynchronous streaming allocates nothing per operation") {
  asio::io_context io(1);
  auto [w, r] = ringpipe::make_pipe(io, 16 * 1024);
  streaming_pair pair{.w = w, .r = r, .remaining_writes = 100000};
  pair.write();
  pair.read();
  io.run();
  REQUIRE(pair.reads > pair.window_end);
  INFO("bytes moved while counting: " << pair.received_in_window);
  CHECK(pair.received_in_window > 64 * 1024 * 1024);
  CHECK(pair.allocations_in_window == 0);
  // Parking is not sleeping: no thread slept and no futex call was made.
  CHECK(pair.futex_calls_in_window == 0);
}

// A wake from another thread is a post from outside the io_context, which Asio cannot serve from a
// recycling cache (that belongs to a thread inside run()): it costs the type-erased function and the
// scheduler's operation, two blocks. This pins that cost, and that nothing else allocates per operation.
TEST_CASE("a wake from a blocking writer on another thread costs at most Asio's cross-thread post") {
  asio::io_context io(1);
  auto [w, r] = ringpipe::make_pipe(io, 16 * 1024);
  constexpr std::uint64_t writes = 20000;
  std::thread writer([&w = w] {
    const std::vector<char> out(4096, 'x');
    for (std::uint64_t i = 0; i < writes; ++i) {
      asio::write(w, asio::buffer(out));
      std::this_thread::yield(); // lets the reader drain the ring and park
    }
    w.close();
  });
  streaming_pair pair{.w = w, .r = r, .remaining_writes = 0, .window_start = 500, .window_end = 10000};
  pair.read();
  io.run();
  writer.join();
  REQUIRE(pair.reads > pair.window_end);
  const std::uint64_t reads_in_window = pair.window_end - pair.window_start;
  INFO("allocations over " << reads_in_window << " reads: " << pair.allocations_in_window);
  CHECK(pair.allocations_in_window <= 2 * reads_in_window);
}
