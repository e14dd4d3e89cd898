// Each endpoint's counters (endpoint_statistics), checked against scripted scenarios, and the wait
// options (wait_options) that tune how an endpoint waits. Nothing here asserts a time: where a side
// must be asleep, the test waits (with a bound) until its announcement shows in the ring's header.
#include <catch2/catch.hpp>

#include <array>
#include <chrono>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <thread>

#include <asio/io_context.hpp>
#include <asio/read.hpp>
#include <asio/system_executor.hpp>
#include <asio/write.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include "ringpipe/detail/ring_access.hpp"
#include "ringpipe/ringpipe.hpp"

namespace {

using namespace std::chrono_literals;
using ringpipe::core::sleep_state;

// Waits until the reader's side announces `state`: a bound of 10 s, not a time assertion.
bool reader_announces(const ringpipe::ring& ring, sleep_state state) {
  const auto give_up = std::chrono::steady_clock::now() + 10s;
  // relaxed: only polled; the reader's own loads decide what it finds.
  while (ringpipe::detail::ring_access::header(ring).reader_sleep.load(std::memory_order_relaxed) !=
         static_cast<std::uint32_t>(state))
    if (std::chrono::steady_clock::now() > give_up) return false;
  return true;
}

ringpipe::wait_options without_spin() { return {0ns, ringpipe::core::liveness_interval}; }

} // namespace

TEST_CASE("an endpoint counts the bytes and operations it moved, zero-copy calls included, and no wait") {
  auto [w, r] = ringpipe::make_pipe(asio::system_executor(), 4096);
  const std::string payload(150, 'x');
  REQUIRE(w.write_some(asio::buffer(payload, 100)) == 100);
  const asio::mutable_buffer span = w.prepare(50);
  std::memcpy(span.data(), payload.data(), 50);
  w.commit(50);
  std::array<char, 120> first{};
  asio::read(r, asio::buffer(first));
  r.consume(r.data().size());

  const ringpipe::endpoint_statistics written = w.statistics(), read = r.statistics();
  CHECK(written.bytes == 150);
  CHECK(written.operations == 2);
  CHECK(read.bytes == 150);
  CHECK(read.operations == 2);
  // Nobody ever waited, so nobody slept and no side made a system call.
  for (const ringpipe::endpoint_statistics& side : {written, read}) {
    CHECK(side.waits == 0);
    CHECK(side.sleeps == 0);
    CHECK(side.parks == 0);
    CHECK(side.futex_calls == 0);
    CHECK(side.late_wakeups == 0);
  }
}

TEST_CASE("a blocking reader on an empty ring counts a wait and its sleep; the writer's wake is its futex "
          "call") {
  const ringpipe::ring ring = ringpipe::create_ring(4096, {.waiting = without_spin()});
  ringpipe::writer w(asio::system_executor(), ring);
  ringpipe::reader r(asio::system_executor(), ring);
  std::array<char, 5> received{};
  std::thread reading([&] { asio::read(r, asio::buffer(received)); });
  REQUIRE(reader_announces(ring, sleep_state::sleeping));
  asio::write(w, asio::buffer(std::string("hello")));
  reading.join();

  const ringpipe::endpoint_statistics read = r.statistics(), written = w.statistics();
  CHECK(read.waits == 1);
  CHECK(read.sleeps >= 1); // a spurious return sleeps again
  CHECK(read.spins_succeeded == 0);
  CHECK(read.futex_calls == read.sleeps);
  CHECK(read.bytes == 5);
  CHECK(written.futex_calls == 1);
  CHECK(written.waits == 0);
}

TEST_CASE("a wait that its spin ends counts a successful spin, no sleep and no futex call on either side") {
  // A spin far longer than the writer's delay: the reader is still spinning when the byte comes.
  const ringpipe::ring ring =
      ringpipe::create_ring(4096, {.waiting = {30s, ringpipe::core::liveness_interval}});
  ringpipe::writer w(asio::system_executor(), ring);
  ringpipe::reader r(asio::system_executor(), ring);
  std::array<char, 1> received{};
  std::thread reading([&] { asio::read(r, asio::buffer(received)); });
  std::this_thread::sleep_for(50ms); // not an assertion: the reader counts a wait either way
  asio::write(w, asio::buffer(std::string("!")));
  reading.join();

  const ringpipe::endpoint_statistics read = r.statistics();
  CHECK(read.waits == 1);
  CHECK(read.spins_succeeded == 1);
  CHECK(read.sleeps == 0);
  CHECK(read.futex_calls == 0);
  CHECK(w.statistics().futex_calls == 0);
}

TEST_CASE("an asynchronous read on an empty ring counts a wait and a park, and a local wake is no futex "
          "call") {
  asio::io_context io;
  const ringpipe::ring ring = ringpipe::create_ring(4096, {.waiting = without_spin()});
  ringpipe::writer w(asio::system_executor(), ring);
  ringpipe::reader r(io, ring);
  std::array<char, 3> received{};
  std::size_t got = 0;
  r.async_read_some(asio::buffer(received), [&](std::error_code, std::size_t n) { got = n; });
  REQUIRE(reader_announces(ring, sleep_state::parked));
  asio::write(w, asio::buffer(std::string("abc")));
  io.run_for(10s);

  const ringpipe::endpoint_statistics read = r.statistics();
  CHECK(got == 3);
  CHECK(read.waits == 1);
  CHECK(read.parks == 1);
  CHECK(read.spins_succeeded == 0);
  CHECK(read.sleeps == 0);
  CHECK(read.futex_calls == 0);
  CHECK(read.bytes == 3);
  CHECK(read.operations == 1);
  CHECK(w.statistics().futex_calls == 0); // the parked read was taken from the slot and posted
}

TEST_CASE("queue ends count elements as bytes and operations") {
  auto [sender, receiver] = ringpipe::make_queue<std::uint64_t>(asio::system_executor(), 8);
  sender.push(1);
  sender.push(2);
  CHECK(receiver.pop() == 1);
  CHECK(sender.statistics().bytes == 16);
  CHECK(sender.statistics().operations == 2);
  CHECK(receiver.statistics().bytes == 8);
  CHECK(receiver.statistics().operations == 1);
}

TEST_CASE("a ring's wait options reach its endpoints, set_wait_options changes one, a closed one keeps its "
          "counts") {
  const ringpipe::wait_options chosen{1234ns, 50ms};
  const ringpipe::ring ring = ringpipe::create_ring(4096, {.waiting = chosen});
  ringpipe::writer w(asio::system_executor(), ring);
  ringpipe::reader r(asio::system_executor(), ring);
  CHECK(w.get_wait_options().spin == chosen.spin);
  CHECK(r.get_wait_options().liveness_interval == chosen.liveness_interval);
  r.set_wait_options({0ns, 0ms}); // a liveness interval under 1 ms is raised to 1 ms
  CHECK(r.get_wait_options().spin == 0ns);
  CHECK(r.get_wait_options().liveness_interval == 1ms);
  CHECK(w.get_wait_options().spin == chosen.spin);
  w.write_some(asio::buffer(std::string("four")));
  w.close();
  CHECK(w.statistics().bytes == 4); // as they stood at the close
  CHECK(w.statistics().operations == 1);
  CHECK(w.get_wait_options().spin == ringpipe::core::default_spin);
}

TEST_CASE("a short liveness interval finds a dead writer within a wait the default interval would sleep "
          "through") {
  const std::string name = "ringpipe-statistics-" + std::to_string(::getpid());
  ringpipe::ring ring = ringpipe::create_shared_ring(name, 4096);
  ringpipe::remove_shared_ring(name);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // Attaches as the writer and dies without closing: its lease's lock goes with it.
    ringpipe::writer w(asio::system_executor(), ringpipe::open_ring(ring.native_handle()));
    ::_exit(0);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);

  ringpipe::reader r(asio::system_executor(), ring);
  std::error_code ec;
  SECTION("the default interval (200 ms) is longer than the wait: it times out, none the wiser") {
    CHECK_FALSE(r.wait_for(100ms, ec));
    CHECK(ec == std::error_code());
  }
  SECTION("an interval of 10 ms checks on the writer within the wait and finds it dead") {
    r.set_wait_options({0ns, 10ms});
    CHECK_FALSE(r.wait_for(5s, ec));
    CHECK(ec == ringpipe::error::peer_dead);
  }
}

TEST_CASE("a queue end counts a bulk push or pop as one operation beside its one-element ones") {
  // The one-element calls store no counter: their operations come from the bytes that the counted
  // operations did not move (endpoint_counters.hpp). A bulk call of three elements is one operation.
  auto [sender, receiver] = ringpipe::make_queue<std::uint64_t>(asio::system_executor(), 8);
  sender.push(1);
  const std::uint64_t three[] = {2, 3, 4};
  CHECK(sender.push(std::span<const std::uint64_t>(three)) == 3);
  CHECK(sender.try_push(5));
  CHECK(sender.statistics().bytes == 40);
  CHECK(sender.statistics().operations == 3);
  CHECK(receiver.pop() == 1);
  std::uint64_t out[3] = {};
  CHECK(receiver.pop(std::span<std::uint64_t>(out)) == 3);
  CHECK(receiver.try_pop() == std::optional<std::uint64_t>(5));
  CHECK(receiver.statistics().bytes == 40);
  CHECK(receiver.statistics().operations == 3);
}
