// A handler's own associations — an executor (a strand) and a stateful allocator — hold on every path
// that parks an operation: the operation runs on the strand, allocates with the handler's allocator,
// and its handler is called. Issue 10 found such a handler never called (and a null dereference under
// ASan) when the parked operation was resumed.
#include <catch2/catch.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <thread>

#include <asio/bind_allocator.hpp>
#include <asio/bind_executor.hpp>
#include <asio/io_context.hpp>
#include <asio/strand.hpp>

#include "ringpipe/ringpipe.hpp"

using namespace std::chrono_literals;

namespace {

// Counts what it allocates: a stateful allocator, unequal to any other.
template <class T>
struct counting_allocator {
  using value_type = T;
  explicit counting_allocator(std::atomic<int>* counter) noexcept : allocations(counter) {}
  template <class U>
  counting_allocator(const counting_allocator<U>& other) noexcept : allocations(other.allocations) {}
  T* allocate(std::size_t n) {
    allocations->fetch_add(1, std::memory_order_relaxed);
    return std::allocator<T>().allocate(n);
  }
  void deallocate(T* p, std::size_t n) noexcept { std::allocator<T>().deallocate(p, n); }
  template <class U>
  bool operator==(const counting_allocator<U>& other) const noexcept {
    return allocations == other.allocations;
  }
  std::atomic<int>* allocations;
};

struct bound_handler_probe {
  asio::io_context io;
  asio::strand<asio::io_context::executor_type> strand = asio::make_strand(io);
  std::atomic<int> allocations{0};
  bool called = false;
  bool on_strand = false;

  // A handler bound to the strand and to the counting allocator, recording how it was called.
  template <class... Args>
  auto handler() {
    return asio::bind_executor(strand,
                               asio::bind_allocator(counting_allocator<void>(&allocations), [this](Args...) {
                                 called = true;
                                 on_strand = strand.running_in_this_thread();
                               }));
  }

  // Runs the context while `unblock` makes the parked operation ready from another thread.
  template <class Unblock>
  void run(Unblock unblock) {
    std::thread peer([&] {
      std::this_thread::sleep_for(50ms);
      unblock();
    });
    io.run_for(10s);
    peer.join();
  }
};

} // namespace

TEST_CASE("a parked read, wait and write run a strand-and-allocator-bound handler on its strand") {
  bound_handler_probe probe;
  auto [w, r] = ringpipe::make_pipe(probe.io, 4096);
  std::array<char, 1> byte{};
  SECTION("read") {
    r.async_read_some(asio::buffer(byte), probe.handler<std::error_code, std::size_t>());
    probe.run([&w = w] { w.write_some(asio::buffer("z", 1)); });
  }
  SECTION("wait") {
    r.async_wait(probe.handler<std::error_code>());
    probe.run([&w = w] { w.write_some(asio::buffer("z", 1)); });
  }
  SECTION("write") {
    std::array<char, 4096> fill{};
    REQUIRE(w.write_some(asio::buffer(fill)) == fill.size());
    w.async_write_some(asio::buffer("z", 1), probe.handler<std::error_code, std::size_t>());
    probe.run([&r = r, &fill] { r.read_some(asio::buffer(fill)); });
  }
  CHECK(probe.called);
  CHECK(probe.on_strand);
  CHECK(probe.allocations.load() > 0);
}

TEST_CASE("a parked queue push and pop run a strand-and-allocator-bound handler on its strand") {
  bound_handler_probe probe;
  auto [sender, receiver] = ringpipe::make_queue<int>(probe.io, 1);
  SECTION("pop") {
    receiver.async_pop(probe.handler<std::error_code, int>());
    probe.run([&sender = sender] { sender.push(7); });
  }
  SECTION("push") {
    sender.push(1);
    sender.async_push(2, probe.handler<std::error_code>());
    probe.run([&receiver = receiver] { receiver.pop(); });
  }
  CHECK(probe.called);
  CHECK(probe.on_strand);
  CHECK(probe.allocations.load() > 0);
}

TEST_CASE("a pump runs its strand-and-allocator-bound handler on its strand") {
  bound_handler_probe probe;
  auto [source_writer, source] = ringpipe::make_pipe(probe.io, 4096);
  auto [sink, sink_reader] = ringpipe::make_pipe(probe.io, 4096);
  ringpipe::async_pump(source, sink, probe.handler<std::error_code, std::uint64_t>());
  probe.run([&source_writer = source_writer] {
    source_writer.write_some(asio::buffer("z", 1));
    source_writer.close();
  });
  CHECK(probe.called);
  CHECK(probe.on_strand);
}
