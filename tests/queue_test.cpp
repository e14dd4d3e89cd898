// Object mode: typed queues over a ring.
#include <catch2/catch.hpp>

#include <array>
#include <thread>
#include <vector>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/system_executor.hpp>
#include <asio/use_awaitable.hpp>

#include <unistd.h>

#include "ringpipe/ringpipe.hpp"

using namespace std::chrono_literals;

namespace {

// 24 bytes: a capacity of 1000 elements is not a whole number of pages, so elements cross the wrap.
struct record {
  std::uint64_t index, inverted, tripled;
};

record make_record(std::uint64_t i) { return {i, ~i, i * 3}; }
bool consistent(const record& r) { return r.inverted == ~r.index && r.tripled == r.index * 3; }

auto executor() { return asio::system_executor(); }

} // namespace

TEST_CASE("a queue's capacity counts elements and is the exact backpressure limit") {
  auto [tx, rx] = ringpipe::make_queue<std::int32_t>(executor(), 8);
  CHECK(tx.capacity() == 8);
  CHECK(rx.capacity() == 8);
  for (std::int32_t i = 0; i < 8; ++i)
    CHECK(tx.try_push(i));
  CHECK_FALSE(tx.try_push(8));
  CHECK_FALSE(tx.wait_for(10ms));
  CHECK(rx.pop() == 0);
  CHECK(tx.try_push(8));
  CHECK_FALSE(tx.try_push(9));
}

TEST_CASE("pop returns elements in order and try_pop does not block") {
  auto [tx, rx] = ringpipe::make_queue<double>(executor(), 4);
  CHECK_FALSE(rx.try_pop());
  tx.push(1.5);
  tx.push(2.5);
  CHECK(rx.try_pop() == 1.5);
  CHECK(rx.pop() == 2.5);
  CHECK_FALSE(rx.try_pop());
}

TEST_CASE("bulk push and pop move as many elements as fit") {
  auto [tx, rx] = ringpipe::make_queue<std::uint16_t>(executor(), 5);
  const std::array<std::uint16_t, 7> values{1, 2, 3, 4, 5, 6, 7};
  CHECK(tx.push(std::span<const std::uint16_t>(values)) == 5);
  std::array<std::uint16_t, 3> out{};
  CHECK(rx.pop(std::span<std::uint16_t>(out)) == 3);
  CHECK(out == std::array<std::uint16_t, 3>{1, 2, 3});
  CHECK(tx.push(std::span<const std::uint16_t>(values).subspan(5)) == 2);
  std::array<std::uint16_t, 8> rest{};
  CHECK(rx.pop(std::span<std::uint16_t>(rest)) == 4);
  CHECK(rest[3] == 7);
}

TEST_CASE("elements crossing the wrap are never split or torn, in both mappings") {
  const auto mode = GENERATE(ringpipe::mapping_mode::mirrored, ringpipe::mapping_mode::split);
  auto [tx, rx] = ringpipe::make_queue<record>(executor(), 1000, {mode});
  const std::uint64_t count = 400000;
  std::thread producer([&tx = tx] {
    std::vector<record> batch(37);
    for (std::uint64_t i = 0; i < count;) {
      if (i % 3 == 0) {
        tx.push(make_record(i++));
        continue;
      }
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(batch.size(), count - i));
      for (std::size_t k = 0; k < n; ++k)
        batch[k] = make_record(i + k);
      i += tx.push(std::span<const record>(batch.data(), n));
    }
    tx.close();
  });
  std::vector<record> out(50);
  std::uint64_t expected = 0;
  bool intact = true;
  std::error_code ec;
  for (;;) {
    const std::size_t n = rx.pop(std::span<record>(out), ec);
    if (ec) break;
    for (std::size_t k = 0; k < n; ++k)
      intact &= consistent(out[k]) && out[k].index == expected++;
  }
  producer.join();
  CHECK(ec == asio::error::eof);
  CHECK(intact);
  CHECK(expected == count);
}

TEST_CASE("async_push and async_pop suspend on full and empty, with any token") {
  asio::io_context io;
  auto [tx, rx] = ringpipe::make_queue<std::int64_t>(io, 4);
  std::int64_t sum = 0;
  asio::co_spawn(
      io,
      [&tx = tx]() -> asio::awaitable<void> {
        for (std::int64_t i = 1; i <= 1000; ++i)
          co_await tx.async_push(i, asio::use_awaitable);
        tx.close();
      },
      asio::detached);
  asio::co_spawn(
      io,
      [&rx = rx, &sum]() -> asio::awaitable<void> {
        for (;;) {
          auto [ec, value] = co_await rx.async_pop(asio::experimental::as_tuple(asio::use_awaitable));
          if (ec) co_return;
          sum += value;
        }
      },
      asio::detached);
  io.run_for(20s);
  CHECK(io.stopped());
  CHECK(sum == 500500);
}

TEST_CASE("a parked async_pop is cancellable and the sender's close ends the stream with eof") {
  asio::io_context io;
  auto [tx, rx] = ringpipe::make_queue<int>(io, 4);
  asio::cancellation_signal signal;
  std::error_code cancelled, ended;
  rx.async_pop(asio::bind_cancellation_slot(signal.slot(), [&](std::error_code ec, int) { cancelled = ec; }));
  io.poll();
  signal.emit(asio::cancellation_type::terminal);
  io.run_for(5s);
  CHECK(cancelled == asio::error::operation_aborted);
  tx.push(42);
  tx.close();
  io.restart();
  int value = 0;
  rx.async_pop([&, &receiver = rx](std::error_code ec, int v) {
    value = v;
    receiver.async_pop([&](std::error_code ec2, int) { ended = ec2; });
    CHECK_FALSE(ec);
  });
  io.run_for(5s);
  CHECK(value == 42);
  CHECK(ended == asio::error::eof);
}

TEST_CASE("after the receiver closes, push fails with broken_pipe") {
  auto [tx, rx] = ringpipe::make_queue<int>(executor(), 4);
  rx.close();
  std::error_code ec;
  tx.push(1, ec);
  CHECK(ec == asio::error::broken_pipe);
  CHECK_FALSE(tx.try_push(1, ec));
  CHECK(ec == asio::error::broken_pipe);
}

TEST_CASE("both sides must agree on the element type") {
  const ringpipe::ring doubles = ringpipe::create_queue_ring<double>(16);
  try {
    ringpipe::queue_receiver<std::int32_t> wrong(executor(), doubles);
    FAIL("accepted a queue of another element type");
  } catch (const std::system_error& e) {
    CHECK(e.code() == ringpipe::error::element_mismatch);
  }
  CHECK_THROWS_AS(ringpipe::queue_sender<std::int32_t>(executor(), ringpipe::create_ring(4096)),
                  std::system_error);
  CHECK_THROWS_AS(ringpipe::make_queue<int>(executor(), 0), std::invalid_argument);
}

TEST_CASE(
    "a named queue attached through another handle wakes an asynchronous receiver through its relay thread") {
  const std::string name = "ringpipe-queue-test-" + std::to_string(::getpid());
  const ringpipe::ring created = ringpipe::create_shared_queue<std::uint32_t>(name, 8);
  const ringpipe::ring attached = ringpipe::open_shared_ring(name);
  ringpipe::remove_shared_ring(name);
  asio::io_context io;
  ringpipe::queue_receiver<std::uint32_t> rx(io, created);
  std::uint64_t sum = 0;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        for (;;) {
          auto [ec, value] = co_await rx.async_pop(asio::experimental::as_tuple(asio::use_awaitable));
          if (ec) co_return;
          sum += value;
        }
      },
      asio::detached);
  std::thread producer([&] {
    ringpipe::queue_sender<std::uint32_t> tx(asio::system_executor(), attached);
    for (std::uint32_t i = 1; i <= 20000; ++i) {
      tx.push(i);
      if (i % 1000 == 0) std::this_thread::sleep_for(1ms); // let the receiver park
    }
  });
  io.run_for(30s);
  producer.join();
  CHECK(io.stopped());
  CHECK(sum == 20000ull * 20001 / 2);
}
