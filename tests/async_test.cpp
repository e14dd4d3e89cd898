// The endpoints as Asio AsyncWriteStream / AsyncReadStream: completion tokens, executors, suspension,
// mixing with blocking threads, cancellation and close.
#include <catch2/catch.hpp>

#include <array>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/bind_executor.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/experimental/deferred.hpp>
#include <asio/experimental/parallel_group.hpp>
#include <asio/io_context.hpp>
#include <asio/read.hpp>
#include <asio/read_until.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>
#include <asio/write.hpp>

#include "ringpipe/ringpipe.hpp"
#include "test_support.hpp"

using namespace std::chrono_literals;
using asio::awaitable;
using asio::use_awaitable;

namespace {

// Runs `io` until it has no more work, failing the test instead of hanging.
void run_bounded(asio::io_context& io) {
  io.run_for(20s);
  REQUIRE(io.stopped());
}

template <class Awaitable>
void run_coroutine(asio::io_context& io, Awaitable coroutine) {
  std::exception_ptr failure;
  asio::co_spawn(io, std::move(coroutine), [&](std::exception_ptr e) { failure = e; });
  run_bounded(io);
  if (failure) std::rethrow_exception(failure);
}

awaitable<std::uint64_t> write_stream(ringpipe::writer& w, std::uint64_t total, std::size_t chunk_size) {
  std::vector<std::byte> chunk(chunk_size);
  std::uint64_t position = 0;
  while (position < total) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), total - position));
    ringpipe::test::fill_stream(std::span(chunk).first(n), position);
    position += co_await asio::async_write(w, asio::buffer(chunk.data(), n), use_awaitable);
  }
  w.close();
  co_return position;
}

awaitable<std::uint64_t> read_and_verify(ringpipe::reader& r, std::size_t chunk_size) {
  std::vector<std::byte> chunk(chunk_size);
  std::uint64_t position = 0;
  for (;;) {
    auto [ec, n] =
        co_await r.async_read_some(asio::buffer(chunk), asio::experimental::as_tuple(use_awaitable));
    if (ec == asio::error::eof) co_return position;
    if (ec) throw std::system_error(ec);
    if (n == 0) throw std::logic_error("a non-empty read completed with success and 0 bytes");
    if (ringpipe::test::first_mismatch(std::span(chunk).first(n), position) != n)
      throw std::logic_error("corrupt");
    position += n;
  }
}

} // namespace

TEST_CASE("two coroutines on one io_context stream through a small ring, suspending on full and empty") {
  asio::io_context io;
  auto [w, r] = ringpipe::make_pipe(io, 4096);
  std::uint64_t written = 0, read = 0;
  asio::co_spawn(
      io, [&w = w, &written]() -> awaitable<void> { written = co_await write_stream(w, 8 << 20, 10000); },
      asio::detached);
  asio::co_spawn(
      io, [&r = r, &read]() -> awaitable<void> { read = co_await read_and_verify(r, 3000); }, asio::detached);
  run_bounded(io);
  CHECK(written == 8 << 20);
  CHECK(read == 8 << 20);
}

TEST_CASE("the handler never runs inside the initiating function, even when the data is there") {
  asio::io_context io;
  auto [w, r] = ringpipe::make_pipe(io, 4096);
  w.write_some(asio::buffer("abc", 3));
  std::array<char, 8> in{};
  bool done = false;
  r.async_read_some(asio::buffer(in), [&](std::error_code ec, std::size_t n) {
    CHECK_FALSE(ec);
    CHECK(n == 3);
    done = true;
  });
  CHECK_FALSE(done);
  bool empty_done = false;
  r.async_read_some(asio::mutable_buffer(), [&](std::error_code ec, std::size_t n) {
    CHECK_FALSE(ec);
    CHECK(n == 0);
    empty_done = true;
  });
  CHECK_FALSE(empty_done);
  run_bounded(io);
  CHECK(done);
  CHECK(empty_done);
}

TEST_CASE("move-only handlers are moved, never copied") {
  asio::io_context io;
  auto [w, r] = ringpipe::make_pipe(io, 4096);
  auto token = std::make_unique<int>(7);
  std::array<char, 4> in{};
  int seen = 0;
  r.async_read_some(asio::buffer(in),
                    [&seen, token = std::move(token)](std::error_code, std::size_t) { seen = *token; });
  io.poll();
  w.write_some(asio::buffer("x", 1));
  run_bounded(io);
  CHECK(seen == 7);
}

TEST_CASE("use_future, deferred and as_tuple work as completion tokens") {
  asio::io_context io;
  auto [w, r] = ringpipe::make_pipe(io, 4096);
  std::future<std::size_t> written = w.async_write_some(asio::buffer("hello", 5), asio::use_future);
  auto deferred_read = [&r = r](std::array<char, 5>& in) {
    return r.async_read_some(asio::buffer(in), asio::experimental::deferred);
  };
  std::array<char, 5> in{};
  std::size_t read = 0;
  deferred_read(in)([&](std::error_code ec, std::size_t n) {
    CHECK_FALSE(ec);
    read = n;
  });
  run_bounded(io);
  CHECK(written.get() == 5);
  CHECK(read == 5);
  CHECK(std::string(in.data(), 5) == "hello");
}

TEST_CASE("as_default_on gives endpoints whose operations are awaitable without a token") {
  asio::io_context io;
  auto [w0, r0] = ringpipe::make_pipe(io, 4096);
  auto w = use_awaitable.as_default_on(std::move(w0));
  auto r = use_awaitable.as_default_on(std::move(r0));
  run_coroutine(io, [&]() -> awaitable<void> {
    co_await w.async_write_some(asio::buffer("ping", 4));
    std::array<char, 4> in{};
    co_await r.async_wait();
    // Not inside CHECK: g++ 12 mishandles co_await within Catch's assertion expressions.
    const std::size_t read = co_await r.async_read_some(asio::buffer(in));
    CHECK(read == 4);
  });
}

TEST_CASE("async_read_until and async_write compose over the endpoints") {
  asio::io_context io;
  auto [w, r] = ringpipe::make_pipe(io, 4096);
  run_coroutine(io, [&w = w, &r = r]() -> awaitable<void> {
    asio::co_spawn(
        co_await asio::this_coro::executor,
        [&w]() -> awaitable<void> {
          for (int i = 0; i < 1000; ++i)
            co_await asio::async_write(w, asio::buffer(std::to_string(i) + "\n"), use_awaitable);
          w.close();
        },
        asio::detached);
    std::string buffer;
    for (int i = 0; i < 1000; ++i) {
      const std::size_t n =
          co_await asio::async_read_until(r, asio::dynamic_buffer(buffer), '\n', use_awaitable);
      CHECK(buffer.substr(0, n) == std::to_string(i) + "\n");
      buffer.erase(0, n);
    }
    auto [ec, n] = co_await asio::async_read_until(r, asio::dynamic_buffer(buffer), '\n',
                                                   asio::experimental::as_tuple(use_awaitable));
    CHECK(ec == asio::error::eof);
  });
}

TEST_CASE("async_wait with prepare/commit and data/consume gives zero-copy asynchronous I/O") {
  asio::io_context io;
  auto [w, r] = ringpipe::make_pipe(io, 4096);
  const std::uint64_t total = 1 << 20;
  std::uint64_t received = 0;
  asio::co_spawn(
      io,
      [&w = w]() -> awaitable<void> {
        std::uint64_t position = 0;
        while (position < total) {
          co_await w.async_wait(use_awaitable);
          const asio::mutable_buffer space = w.prepare(total - position);
          ringpipe::test::fill_stream({static_cast<std::byte*>(space.data()), space.size()}, position);
          w.commit(space.size());
          position += space.size();
        }
        w.close();
      },
      asio::detached);
  asio::co_spawn(
      io,
      [&r = r, &received]() -> awaitable<void> {
        for (;;) {
          auto [ec] = co_await r.async_wait(asio::experimental::as_tuple(use_awaitable));
          if (ec == asio::error::eof) co_return;
          const asio::const_buffer bytes = r.data();
          REQUIRE(ringpipe::test::first_mismatch({static_cast<const std::byte*>(bytes.data()), bytes.size()},
                                                 received) == bytes.size());
          r.consume(bytes.size());
          received += bytes.size();
        }
      },
      asio::detached);
  run_bounded(io);
  CHECK(received == total);
}

TEST_CASE("a blocking writer thread feeds a suspended coroutine reader") {
  asio::io_context io;
  auto [w, r] = ringpipe::make_pipe(io, 4096);
  const std::uint64_t total = 16 << 20;
  std::thread producer([&w = w] {
    std::vector<std::byte> chunk(7777);
    for (std::uint64_t position = 0; position < total;) {
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), total - position));
      ringpipe::test::fill_stream(std::span(chunk).first(n), position);
      position += asio::write(w, asio::buffer(chunk.data(), n));
    }
    w.close();
  });
  std::uint64_t read = 0;
  asio::co_spawn(
      io, [&r = r, &read]() -> awaitable<void> { read = co_await read_and_verify(r, 5000); }, asio::detached);
  run_bounded(io);
  producer.join();
  CHECK(read == total);
}

TEST_CASE("a suspended coroutine writer feeds a blocking reader thread") {
  asio::io_context io;
  auto [w, r] = ringpipe::make_pipe(io, 4096);
  const std::uint64_t total = 16 << 20;
  // Catch's assertions are not thread-safe: the thread reports, the test thread checks.
  std::uint64_t read = 0, first_bad = total;
  std::error_code end;
  std::thread consumer([&r = r, &read, &first_bad, &end] {
    std::vector<std::byte> chunk(3333);
    for (;;) {
      const std::size_t n = r.read_some(asio::buffer(chunk), end);
      if (end) break;
      if (ringpipe::test::first_mismatch(std::span(chunk).first(n), read) != n)
        first_bad = std::min(first_bad, read);
      read += n;
    }
  });
  asio::co_spawn(
      io, [&w = w]() -> awaitable<void> { co_await write_stream(w, total, 9000); }, asio::detached);
  run_bounded(io);
  consumer.join();
  CHECK(read == total);
  CHECK(first_bad == total);
  CHECK(end == asio::error::eof);
}

TEST_CASE("both sides async on different io_contexts running on different threads") {
  asio::io_context writer_io, reader_io;
  auto [w, r] = ringpipe::make_pipe(writer_io.get_executor(), reader_io.get_executor(), 4096);
  const std::uint64_t total = 16 << 20;
  std::uint64_t read = 0;
  asio::co_spawn(
      writer_io, [&w = w]() -> awaitable<void> { co_await write_stream(w, total, 4096); }, asio::detached);
  asio::co_spawn(
      reader_io, [&r = r, &read]() -> awaitable<void> { read = co_await read_and_verify(r, 4096); },
      asio::detached);
  std::thread writer_thread([&] { writer_io.run_for(20s); });
  run_bounded(reader_io);
  writer_thread.join();
  CHECK(writer_io.stopped());
  CHECK(read == total);
}

TEST_CASE("a parked operation keeps its io_context running until it completes") {
  asio::io_context io;
  auto [w, r] = ringpipe::make_pipe(io, 4096);
  std::array<char, 4> in{};
  std::size_t read = 0;
  r.async_read_some(asio::buffer(in), [&](std::error_code, std::size_t n) { read = n; });
  auto running = std::async(std::launch::async, [&] { return io.run_for(20s); });
  CHECK(running.wait_for(100ms) == std::future_status::timeout);
  w.write_some(asio::buffer("data", 4));
  CHECK(running.get() == 1);
  CHECK(read == 4);
}

TEST_CASE("the handler runs on its associated executor") {
  asio::io_context io;
  auto strand = asio::make_strand(io);
  auto [w, r] = ringpipe::make_pipe(io, 4096);
  std::array<char, 4> in{};
  bool on_strand = false;
  r.async_read_some(asio::buffer(in), asio::bind_executor(strand, [&](std::error_code, std::size_t) {
                      on_strand = strand.running_in_this_thread();
                    }));
  io.poll();
  w.write_some(asio::buffer("s", 1));
  run_bounded(io);
  CHECK(on_strand);
}

TEST_CASE("per-operation cancellation ends a parked read with operation_aborted") {
  asio::io_context io;
  auto [w, r] = ringpipe::make_pipe(io, 4096);
  asio::cancellation_signal signal;
  std::array<char, 4> in{};
  std::error_code result;
  r.async_read_some(asio::buffer(in),
                    asio::bind_cancellation_slot(signal.slot(), [&](std::error_code ec, std::size_t n) {
                      result = ec;
                      CHECK(n == 0);
                    }));
  io.poll();
  signal.emit(asio::cancellation_type::terminal);
  run_bounded(io);
  CHECK(result == asio::error::operation_aborted);
  // Nothing was taken: a later read gets the next bytes.
  w.write_some(asio::buffer("next", 4));
  CHECK(r.read_some(asio::buffer(in)) == 4);
}

TEST_CASE("a cancelled write delivered nothing and a completed one delivered exactly its count") {
  asio::io_context io;
  auto [w, r] = ringpipe::make_pipe(io, 4096);
  std::vector<char> fill(4096, 'a');
  REQUIRE(w.write_some(asio::buffer(fill)) == 4096);
  std::error_code result;
  w.async_write_some(asio::buffer("zzzz", 4), [&](std::error_code ec, std::size_t n) {
    result = ec;
    CHECK(n == 0);
  });
  io.poll();
  w.cancel();
  run_bounded(io);
  CHECK(result == asio::error::operation_aborted);
  std::vector<char> all(8192);
  CHECK(r.read_some(asio::buffer(all)) == 4096);
  CHECK(std::count(all.begin(), all.begin() + 4096, 'a') == 4096);
  CHECK_FALSE(r.wait_for(10ms));
}

TEST_CASE("awaitable operator || with a timer cancels a read that waits too long") {
  using namespace asio::experimental::awaitable_operators;
  asio::io_context io;
  auto [w, r] = ringpipe::make_pipe(io, 4096);
  run_coroutine(io, [&r = r]() -> awaitable<void> {
    asio::steady_timer timer(co_await asio::this_coro::executor, 20ms);
    std::array<char, 4> in{};
    auto outcome =
        co_await (r.async_read_some(asio::buffer(in), use_awaitable) || timer.async_wait(use_awaitable));
    CHECK(outcome.index() == 1);
  });
  w.write_some(asio::buffer("late", 4));
  std::array<char, 4> in{};
  CHECK(r.read_some(asio::buffer(in)) == 4);
}

TEST_CASE("parallel_group with wait_for_one cancels the losing parked operation") {
  asio::io_context io;
  auto [w, r] = ringpipe::make_pipe(io, 4096);
  std::array<char, 4> in{};
  std::error_code read_result;
  asio::experimental::make_parallel_group(r.async_read_some(asio::buffer(in), asio::experimental::deferred),
                                          asio::post(io, asio::experimental::deferred))
      .async_wait(asio::experimental::wait_for_one(),
                  [&](std::array<std::size_t, 2>, std::error_code ec, std::size_t) { read_result = ec; });
  run_bounded(io);
  CHECK(read_result == asio::error::operation_aborted);
}

TEST_CASE("closing an endpoint ends its own parked operation and wakes the peer") {
  asio::io_context io;
  auto [w, r] = ringpipe::make_pipe(io, 4096);
  std::array<char, 4> in{};
  std::error_code read_result, write_result;
  r.async_read_some(asio::buffer(in), [&](std::error_code ec, std::size_t) { read_result = ec; });
  io.poll();
  r.close();
  run_bounded(io);
  CHECK(read_result == asio::error::operation_aborted);
  io.restart();
  w.async_write_some(asio::buffer("x", 1), [&](std::error_code ec, std::size_t) { write_result = ec; });
  run_bounded(io);
  CHECK(write_result == asio::error::broken_pipe);
}

TEST_CASE("destroying an endpoint with a parked operation aborts it; the peer's close wakes with eof") {
  asio::io_context io;
  std::error_code own_result, peer_result;
  std::array<char, 4> in{};
  {
    auto [w, r] = ringpipe::make_pipe(io, 4096);
    r.async_read_some(asio::buffer(in), [&](std::error_code ec, std::size_t) { own_result = ec; });
    io.poll();
  }
  run_bounded(io);
  CHECK(own_result == asio::error::operation_aborted);

  io.restart();
  auto [w, r] = ringpipe::make_pipe(io, 4096);
  r.async_read_some(asio::buffer(in), [&](std::error_code ec, std::size_t) { peer_result = ec; });
  io.poll();
  w.close();
  run_bounded(io);
  CHECK(peer_result == asio::error::eof);
}

TEST_CASE("operations on a closed endpoint complete with bad_descriptor through the executor") {
  asio::io_context io;
  auto [w, r] = ringpipe::make_pipe(io, 4096);
  w.close();
  std::error_code result;
  w.async_write_some(asio::buffer("x", 1), [&](std::error_code ec, std::size_t) { result = ec; });
  CHECK_FALSE(result);
  run_bounded(io);
  CHECK(result == asio::error::bad_descriptor);
}

TEST_CASE(
    "an operation resumed after its io_context stopped is destroyed with the context, handler uncalled") {
  std::weak_ptr<int> handler_alive;
  bool called = false;
  {
    asio::io_context io;
    auto [w, r] = ringpipe::make_pipe(io, 4096);
    auto guard = std::make_shared<int>(1);
    handler_alive = guard;
    std::array<char, 4> in{};
    r.async_read_some(asio::buffer(in), [&called, guard](std::error_code, std::size_t) { called = true; });
    io.poll();
    w.write_some(asio::buffer("x", 1)); // posts the resumption; the context never runs it
    REQUIRE_FALSE(handler_alive.expired());
    r.close();
  }
  CHECK_FALSE(called);
  CHECK(handler_alive.expired());
}

TEST_CASE("a second asynchronous operation while one is outstanding completes at once with in_progress, "
          "and the first is unaffected") {
  asio::io_context io;
  auto [w, r] = ringpipe::make_pipe(io, 4096);
  std::array<char, 1> first_byte{}, second_byte{};
  std::error_code first = asio::error::would_block, second = asio::error::would_block,
                  wait = asio::error::would_block;
  std::size_t first_read = 0;
  r.async_read_some(asio::buffer(first_byte), [&](std::error_code ec, std::size_t n) {
    first = ec;
    first_read = n;
  });
  r.async_read_some(asio::buffer(second_byte), [&](std::error_code ec, std::size_t) { second = ec; });
  r.async_wait([&](std::error_code ec) { wait = ec; });
  io.poll();
  CHECK(second == asio::error::in_progress);
  CHECK(wait == asio::error::in_progress);
  CHECK(first == asio::error::would_block);
  w.write_some(asio::buffer("x", 1));
  io.run_for(10s);
  CHECK(first == std::error_code());
  CHECK(first_read == 1);
  CHECK(first_byte[0] == 'x');
  // Once it completed, the endpoint takes the next one.
  std::error_code next = asio::error::would_block;
  w.close();
  r.async_read_some(asio::buffer(second_byte), [&](std::error_code ec, std::size_t) { next = ec; });
  io.restart();
  io.run_for(10s);
  CHECK(next == asio::error::eof);
}

TEST_CASE("a writer with a write outstanding on a full ring refuses a wait with in_progress") {
  asio::io_context io;
  auto [w, r] = ringpipe::make_pipe(io, 4096);
  std::vector<char> fill(4096, 'f');
  REQUIRE(w.write_some(asio::buffer(fill)) == 4096);
  std::error_code write = asio::error::would_block, wait = asio::error::would_block;
  w.async_write_some(asio::buffer("y", 1), [&](std::error_code ec, std::size_t) { write = ec; });
  w.async_wait([&](std::error_code ec) { wait = ec; });
  io.poll();
  CHECK(wait == asio::error::in_progress);
  CHECK(write == asio::error::would_block);
  std::vector<char> drained(4096);
  r.read_some(asio::buffer(drained));
  io.run_for(10s);
  CHECK(write == std::error_code());
}

TEST_CASE("a wait for a writer that never attaches is bounded by wait_for, and by a timer with ||") {
  using namespace asio::experimental::awaitable_operators;
  asio::io_context io;
  const ringpipe::ring memory = ringpipe::create_ring(4096);
  ringpipe::reader r(io, memory);
  std::error_code ec;
  CHECK_FALSE(r.wait_for(50ms, ec));
  CHECK_FALSE(ec);
  bool timer_won = false;
  run_coroutine(io, [&r, &timer_won]() -> awaitable<void> {
    asio::steady_timer timer(co_await asio::this_coro::executor, 50ms);
    std::array<char, 4> in{};
    auto outcome =
        co_await (r.async_read_some(asio::buffer(in), use_awaitable) || timer.async_wait(use_awaitable));
    timer_won = outcome.index() == 1;
  });
  CHECK(timer_won);
}
