// A blocked side is woken by exactly the events that should wake it. Runs under ThreadSanitizer too.
#include <catch2/catch.hpp>

#include <array>
#include <future>
#include <thread>
#include <vector>

#include <asio/system_executor.hpp>

#include "ringpipe/core/platform.hpp"
#include "ringpipe/ringpipe.hpp"

using namespace std::chrono_literals;

namespace {

auto make_test_pipe(std::size_t capacity) { return ringpipe::make_pipe(asio::system_executor(), capacity); }

// Lets the other thread reach its sleep, so the test exercises the futex path, not the spin.
void let_it_sleep() { std::this_thread::sleep_for(50ms); }

} // namespace

TEST_CASE("a reader blocked on an empty ring wakes for the first commit") {
  auto [w, r] = make_test_pipe(4096);
  auto reading = std::async(std::launch::async, [&r = r] {
    std::array<char, 16> in{};
    const std::size_t n = r.read_some(asio::buffer(in));
    return std::string(in.data(), n);
  });
  let_it_sleep();
  const auto calls_before = ringpipe::core::futex_call_count();
  w.write_some(asio::buffer("wake", 4));
  CHECK(reading.get() == "wake");
  CHECK(ringpipe::core::futex_call_count() > calls_before);
}

TEST_CASE("a reader blocked on an empty ring wakes with eof when the writer closes") {
  auto [w, r] = make_test_pipe(4096);
  auto reading = std::async(std::launch::async, [&r = r] {
    std::array<char, 16> in{};
    std::error_code ec;
    r.read_some(asio::buffer(in), ec);
    return ec;
  });
  let_it_sleep();
  w.close();
  CHECK(reading.get() == asio::error::eof);
}

TEST_CASE("a writer blocked on a full ring wakes when the reader consumes") {
  auto [w, r] = make_test_pipe(4096);
  std::vector<char> fill(4096, 'f');
  w.write_some(asio::buffer(fill));
  auto writing = std::async(std::launch::async, [&w = w] { return w.write_some(asio::buffer("more", 4)); });
  let_it_sleep();
  r.consume(2);
  CHECK(writing.get() == 2);
}

TEST_CASE("a writer blocked on a full ring wakes with broken_pipe when the reader closes") {
  auto [w, r] = make_test_pipe(4096);
  std::vector<char> fill(4096, 'f');
  w.write_some(asio::buffer(fill));
  auto writing = std::async(std::launch::async, [&w = w] {
    std::error_code ec;
    w.write_some(asio::buffer("more", 4), ec);
    return ec;
  });
  let_it_sleep();
  r.close();
  CHECK(writing.get() == asio::error::broken_pipe);
}

TEST_CASE("a timed wait wakes before its deadline when data arrives") {
  auto [w, r] = make_test_pipe(4096);
  auto waiting = std::async(std::launch::async, [&r = r] { return r.wait_for(30s); });
  let_it_sleep();
  const auto start = std::chrono::steady_clock::now();
  w.write_some(asio::buffer("x", 1));
  CHECK(waiting.get());
  CHECK(std::chrono::steady_clock::now() - start < 10s);
}

TEST_CASE("ping-pong through two rings never loses a wake-up") {
  auto [w1, r1] = make_test_pipe(4096);
  auto [w2, r2] = make_test_pipe(4096);
  const int rounds = 20000;
  std::thread echo([&r1 = r1, &w2 = w2] {
    std::array<char, 1> byte{};
    for (int i = 0; i < rounds; ++i) {
      r1.read_some(asio::buffer(byte));
      w2.write_some(asio::buffer(byte));
    }
  });
  std::array<char, 1> byte{'p'};
  for (int i = 0; i < rounds; ++i) {
    w1.write_some(asio::buffer(byte));
    REQUIRE(r2.read_some(asio::buffer(byte)) == 1);
  }
  echo.join();
  CHECK(ringpipe::core::late_wakeup_count() == 0);
}
