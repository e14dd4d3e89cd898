// Real peer processes (tests/ring_peer.cpp) on a named ring: streaming both ways, blocking and
// asynchronous on either side, and peers killed at random points.
#include <catch2/catch.hpp>

#include <chrono>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "child_process.hpp"
#include "ringpipe/core/platform.hpp"
#include "ringpipe/detail/ring_access.hpp"
#include "ringpipe/ringpipe.hpp"
#include "test_support.hpp"

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

struct named_ring {
  std::string name = "ringpipe-process-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  ringpipe::ring memory = ringpipe::create_shared_ring(name, 64 * 1024);
  ~named_ring() {
    std::error_code ignored;
    ringpipe::remove_shared_ring(name, ignored);
  }
  static inline int counter = 0;
};

struct read_outcome {
  std::uint64_t received = 0;
  std::error_code error;
  bool intact = true;
  clock_type::time_point ended;
};

// Reads the stream here, blocking or in a coroutine, until an error ends it. `on_progress` is called
// once, after the first `trigger` bytes.
template <class OnProgress>
read_outcome read_here(ringpipe::reader& r, asio::io_context& io, bool async, std::uint64_t trigger,
                       OnProgress on_progress) {
  read_outcome outcome;
  std::vector<std::byte> chunk(8192);
  bool triggered = false;
  auto account = [&](std::size_t n) {
    outcome.intact &= ringpipe::test::first_mismatch(std::span(chunk).first(n), outcome.received) == n;
    outcome.received += n;
    if (!triggered && outcome.received >= trigger) {
      triggered = true;
      on_progress();
    }
  };
  if (!async) {
    for (;;) {
      const std::size_t n = r.read_some(asio::buffer(chunk), outcome.error);
      if (outcome.error) break;
      account(n);
    }
  } else {
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          for (;;) {
            const std::size_t n = co_await r.async_read_some(
                asio::buffer(chunk), asio::redirect_error(asio::use_awaitable, outcome.error));
            if (outcome.error) co_return;
            account(n);
          }
        },
        asio::detached);
    io.run_for(60s);
  }
  outcome.ended = clock_type::now();
  return outcome;
}

std::string mode_name(bool async) { return async ? "async" : "blocking"; }

} // namespace

TEST_CASE("a writer process streams to a reader here, blocking or asynchronous on either side") {
  const bool child_async = GENERATE(false, true);
  const bool here_async = GENERATE(false, true);
  INFO("writer process " << mode_name(child_async) << ", reader here " << mode_name(here_async));
  named_ring ring;
  asio::io_context io;
  ringpipe::reader r(io, ring.memory);
  const std::uint64_t total = 32 << 20;
  ringpipe::test::child_process writer(
      {RINGPIPE_RING_PEER, "write", ring.name, std::to_string(total), mode_name(child_async)});
  const read_outcome outcome = read_here(r, io, here_async, 0, [] {});
  CHECK(outcome.error == asio::error::eof);
  CHECK(outcome.intact);
  CHECK(outcome.received == total);
  CHECK(writer.wait_for_exit(10s) == 0);
  CHECK(ringpipe::core::late_wakeup_count() == 0);
}

TEST_CASE("a writer here streams to a reader process, blocking or asynchronous on either side") {
  const bool child_async = GENERATE(false, true);
  const bool here_async = GENERATE(false, true);
  INFO("reader process " << mode_name(child_async) << ", writer here " << mode_name(here_async));
  named_ring ring;
  asio::io_context io;
  ringpipe::writer w(io, ring.memory);
  ringpipe::test::child_process reader({RINGPIPE_RING_PEER, "read", ring.name, mode_name(child_async)});
  const std::uint64_t total = 32 << 20;
  std::vector<std::byte> chunk(12345);
  std::uint64_t position = 0;
  std::error_code ec;
  auto next_chunk = [&] {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), total - position));
    ringpipe::test::fill_stream(std::span(chunk).first(n), position);
    return asio::buffer(chunk.data(), n);
  };
  if (here_async) {
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          while (position < total && !ec)
            position +=
                co_await asio::async_write(w, next_chunk(), asio::redirect_error(asio::use_awaitable, ec));
        },
        asio::detached);
    io.run_for(60s);
  } else {
    while (position < total && !ec)
      position += asio::write(w, next_chunk(), ec);
  }
  CHECK_FALSE(ec);
  w.close();
  CHECK(reader.wait_for_exit(20s) == 0);
  CHECK(reader.read_line() == "attached");
  CHECK(reader.read_line() == "done " + std::to_string(total) + " End of file");
  CHECK(ringpipe::core::late_wakeup_count() == 0);
}

TEST_CASE("when the writer process is killed the reader drains every committed byte, then gets peer_dead") {
  const bool child_async = GENERATE(false, true);
  const bool here_async = GENERATE(false, true);
  const unsigned seed = std::random_device()();
  INFO("writer process " << mode_name(child_async) << ", reader here " << mode_name(here_async) << ", seed "
                         << seed);
  std::mt19937 random(seed);
  for (int round = 0; round < 3; ++round) {
    named_ring ring;
    asio::io_context io;
    ringpipe::reader r(io, ring.memory);
    ringpipe::test::child_process writer(
        {RINGPIPE_RING_PEER, "write", ring.name, "0", mode_name(child_async)});
    clock_type::time_point killed;
    const std::uint64_t kill_after = 1 + random() % (8 << 20);
    const read_outcome outcome = read_here(r, io, here_async, kill_after, [&] {
      writer.signal(SIGKILL);
      killed = clock_type::now();
    });
    CHECK(outcome.error == ringpipe::error::peer_dead);
    CHECK(outcome.intact);
    // Every byte the writer committed before it died arrived.
    CHECK(outcome.received == ringpipe::detail::ring_access::header(ring.memory).write_position.load());
    CHECK(outcome.ended - killed <= 1s);
  }
}

TEST_CASE("when the reader process is killed a waiting writer here gets broken_pipe") {
  const bool child_async = GENERATE(false, true);
  const bool here_async = GENERATE(false, true);
  INFO("reader process " << mode_name(child_async) << ", writer here " << mode_name(here_async));
  named_ring ring;
  asio::io_context io;
  ringpipe::writer w(io, ring.memory);
  ringpipe::test::child_process reader({RINGPIPE_RING_PEER, "read", ring.name, mode_name(child_async)});
  REQUIRE(reader.read_line() == "attached");
  std::vector<std::byte> chunk(50000);
  std::uint64_t position = 0;
  std::error_code ec;
  clock_type::time_point killed;
  auto write_more = [&] {
    ringpipe::test::fill_stream(chunk, position);
    if (position > (4 << 20) && killed == clock_type::time_point()) {
      reader.signal(SIGKILL);
      killed = clock_type::now();
    }
  };
  if (here_async) {
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          while (!ec) {
            write_more();
            position += co_await asio::async_write(w, asio::buffer(chunk),
                                                   asio::redirect_error(asio::use_awaitable, ec));
          }
        },
        asio::detached);
    io.run_for(60s);
  } else {
    while (!ec) {
      write_more();
      position += asio::write(w, asio::buffer(chunk), ec);
    }
  }
  CHECK(ec == asio::error::broken_pipe);
  CHECK(clock_type::now() - killed <= 1s);
}
