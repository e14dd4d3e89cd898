// Wake-up latency across processes: a 1-byte ping-pong between this process and a child through two
// named rings, each side blocking or asynchronous, with the default wait_options: a side spins up to
// wait_options::spin before it sleeps (blocking) or parks (async). A round trip that outlasts the spin
// goes through the cross-process wake-up (futex_wake -> the sleeper, or the parked side's relay thread ->
// a post to its io_context).
//
//   ringpipe_wake_latency [--rounds N] [--quick] [--strict] [--csv FILE]
//
// --csv writes every pairing's distribution of round trips (table `cdf`, contender `this-child`).
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/read.hpp>
#include <asio/system_executor.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <fmt/core.h>

#include "ringpipe/ringpipe.hpp"

#include "bench_support.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

// Echoes `rounds` bytes from `in` to `out`, blocking or in a coroutine.
void echo(ringpipe::reader& in, ringpipe::writer& out, asio::io_context& io, int rounds, bool async) {
  if (!async) {
    char byte = 0;
    for (int i = 0; i < rounds; ++i) {
      asio::read(in, asio::buffer(&byte, 1));
      asio::write(out, asio::buffer(&byte, 1));
    }
    return;
  }
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        char byte = 0;
        for (int i = 0; i < rounds; ++i) {
          co_await asio::async_read(in, asio::buffer(&byte, 1), asio::use_awaitable);
          co_await asio::async_write(out, asio::buffer(&byte, 1), asio::use_awaitable);
        }
      },
      asio::detached);
  io.run();
}

// Sends `rounds` pings and returns each round trip in microseconds.
std::vector<double> ping(ringpipe::writer& out, ringpipe::reader& in, asio::io_context& io, int rounds,
                         bool async) {
  std::vector<double> trips;
  trips.reserve(static_cast<std::size_t>(rounds));
  auto record = [&](clock_type::time_point sent) {
    trips.push_back(std::chrono::duration<double, std::micro>(clock_type::now() - sent).count());
  };
  if (!async) {
    char byte = 'p';
    for (int i = 0; i < rounds; ++i) {
      const auto sent = clock_type::now();
      asio::write(out, asio::buffer(&byte, 1));
      asio::read(in, asio::buffer(&byte, 1));
      record(sent);
    }
    return trips;
  }
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        char byte = 'p';
        for (int i = 0; i < rounds; ++i) {
          const auto sent = clock_type::now();
          co_await asio::async_write(out, asio::buffer(&byte, 1), asio::use_awaitable);
          co_await asio::async_read(in, asio::buffer(&byte, 1), asio::use_awaitable);
          record(sent);
        }
      },
      asio::detached);
  io.run();
  return trips;
}

// One pairing: the child echoes, this process pings. Returns the round trips (µs).
std::vector<double> measure(bool here_async, bool child_async, int rounds) {
  const std::string base = "ringpipe-wake-latency-" + std::to_string(::getpid());
  const ringpipe::ring to_child = ringpipe::create_shared_ring(base + "-ping", 4096);
  const ringpipe::ring from_child = ringpipe::create_shared_ring(base + "-pong", 4096);
  const pid_t child = ::fork();
  if (child == 0) {
    asio::io_context io;
    ringpipe::reader in(io, ringpipe::open_shared_ring(base + "-ping"));
    ringpipe::writer out(io, ringpipe::open_shared_ring(base + "-pong"));
    echo(in, out, io, rounds, child_async);
    std::_Exit(0);
  }
  asio::io_context io;
  ringpipe::writer out(io, to_child);
  ringpipe::reader in(io, from_child);
  std::vector<double> trips = ping(out, in, io, rounds, here_async);
  ::waitpid(child, nullptr, 0);
  ringpipe::remove_shared_ring(base + "-ping");
  ringpipe::remove_shared_ring(base + "-pong");
  return trips;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app("Cross-process wake-up latency: a 1-byte ping-pong through two named rings",
               "ringpipe_wake_latency");
  int rounds = 20000;
  // Each takes effect where it stands, as in the other benchmarks: `--rounds 9 --quick` is quick.
  app.add_option("--rounds", rounds, "round trips per pairing of blocking and async sides")
      ->check(CLI::Range(1, std::numeric_limits<int>::max()))
      ->capture_default_str()
      ->trigger_on_parse();
  app.add_flag_callback(
         "--quick", [&rounds] { rounds = 500; }, "a smoke run: --rounds 500")
      ->trigger_on_parse();
  app.add_flag("--strict")->description("taken as every benchmark takes it; there is no target to miss here");
  std::string csv_path;
  app.add_option("--csv", csv_path, "also write each pairing's round-trip distribution to this file as CSV");
  CLI11_PARSE(app, argc, argv);
  ringpipe::bench::csv_output csv(csv_path);
  fmt::print("cross-process 1-byte ping-pong through two named rings, {} round trips each\n", rounds);
  fmt::print("{:<34} {:>12} {:>12} {:>6}\n", "this process / child", "median µs", "p99 µs", "CPUs");
  for (const auto& [here_async, child_async] :
       {std::pair{false, false}, {true, true}, {false, true}, {true, false}}) {
    const std::string label =
        std::string(here_async ? "async" : "blocking") + " / " + (child_async ? "async" : "blocking");
    // Named captures: clang 14 cannot capture structured bindings.
    auto [trips, cpus] = ringpipe::bench::with_cpu_share(
        label, [here = here_async, child = child_async, rounds] { return measure(here, child, rounds); });
    fmt::print("{:<34} {:>12.2f} {:>12.2f} {:>6.1f}\n", label, ringpipe::bench::median(trips),
               ringpipe::bench::percentile(trips, 0.99), cpus);
    csv.cdf("cdf",
            std::string(here_async ? "async" : "blocking") + "-" + (child_async ? "async" : "blocking"),
            std::move(trips));
  }
}
