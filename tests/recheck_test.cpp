// Defence in depth against a lost wake-up: a sleeping reader or a parked read whose wake-up never
// comes still finds its data within a bounded recheck, and the lost wake-up is counted. The tests
// lose the wake-up on purpose: they publish bytes straight into the ring's header, as the writer
// would, but never wake anyone. The writer is in this process, so no liveness check cuts the wait.
#include <catch2/catch.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>

#include <asio/io_context.hpp>
#include <asio/read.hpp>
#include <asio/system_executor.hpp>

#include "ringpipe/core/platform.hpp"
#include "ringpipe/detail/ring_access.hpp"
#include "ringpipe/ringpipe.hpp"

namespace {

using namespace std::chrono_literals;
constexpr std::string_view message = "late";

// Writes `message` at the start of the ring and publishes it without waking the reader.
void publish_without_waking(const ringpipe::ring& memory) {
  std::memcpy(ringpipe::detail::ring_access::data(memory), message.data(), message.size());
  // release: the bytes before the position, as a commit does; then no wake_peer.
  ringpipe::detail::ring_access::header(memory).write_position.store(message.size(),
                                                                     std::memory_order_release);
}

// Waits until the reader's side announces `state` (sleeping or parked): a bound, not a time assertion.
bool reader_announces(const ringpipe::ring& memory, ringpipe::core::sleep_state state) {
  const auto give_up = std::chrono::steady_clock::now() + 10s;
  // relaxed: only polled; the reader's own loads decide what it finds.
  while (ringpipe::detail::ring_access::header(memory).reader_sleep.load(std::memory_order_relaxed) !=
         static_cast<std::uint32_t>(state))
    if (std::chrono::steady_clock::now() > give_up) return false;
  return true;
}

} // namespace

TEST_CASE("a sleeping reader whose wake-up is lost still reads the data, and the late wake-up is counted") {
  const ringpipe::ring memory = ringpipe::create_ring(4096);
  ringpipe::writer w(asio::system_executor(), memory);
  ringpipe::reader r(asio::system_executor(), memory);
  std::string received(message.size(), '\0');
  bool ready = false;
  // Bounded: without a recheck the wait ends only at its deadline.
  std::thread reading([&] {
    ready = r.wait_for(20s);
    asio::read(r, asio::buffer(received));
  });
  REQUIRE(reader_announces(memory, ringpipe::core::sleep_state::sleeping));
  // Past its recheck after the announcement, into the futex: published earlier, the recheck would
  // simply find the data.
  std::this_thread::sleep_for(100ms);
  publish_without_waking(memory);
  reading.join();
  CHECK(ready);
  CHECK(received == message);
  CHECK(ringpipe::core::late_wakeup_count() == 1);
  CHECK(r.statistics().late_wakeups == 1); // and on the endpoint that suffered it
}

TEST_CASE(
    "a parked read whose wake-up is lost still completes with the data, and the late wake-up is counted") {
  asio::io_context context;
  const ringpipe::ring memory = ringpipe::create_ring(4096);
  ringpipe::writer w(context, memory);
  ringpipe::reader r(context, memory);
  std::string received(message.size(), '\0');
  std::error_code result = asio::error::would_block;
  r.async_read_some(asio::buffer(received), [&](std::error_code ec, std::size_t) { result = ec; });
  // The initiation parked the operation before returning: its own recheck is behind it.
  REQUIRE(reader_announces(memory, ringpipe::core::sleep_state::parked));
  publish_without_waking(memory);
  // Bounded: the sweeper resumes a stuck operation within two recheck intervals.
  context.run_for(10 * ringpipe::core::recheck_interval);
  CHECK(result == std::error_code());
  CHECK(received == message);
  CHECK(ringpipe::core::late_wakeup_count() == 1);
  CHECK(r.statistics().late_wakeups == 1); // and on the endpoint that suffered it
}

TEST_CASE("an operation parked on an empty ring is left alone by the recheck and counts no late wake-up") {
  asio::io_context context;
  auto [w, r] = ringpipe::make_pipe(context, 4096);
  bool completed = false;
  std::array<char, 4> buffer{};
  r.async_read_some(asio::buffer(buffer), [&](std::error_code, std::size_t) { completed = true; });
  context.run_for(3 * ringpipe::core::recheck_interval);
  CHECK_FALSE(completed);
  CHECK(ringpipe::core::late_wakeup_count() == 0);
  CHECK(r.statistics().late_wakeups == 0);
  w.close();
  context.run_for(10s);
  CHECK(completed);
}
