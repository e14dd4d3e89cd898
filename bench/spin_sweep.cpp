// The spin before sleeping (wait_options::spin) against what it buys and what it burns: for each spin
// length, a 1-byte blocking ping-pong between two threads (round trip, CPU per round trip, and the share
// of waits the spin ended, from the endpoints' statistics) and a 64 KiB stream (GB/s, CPU per GB).
// `--csv FILE` writes the rows that scripts/plots.sh draws (bench/plots/spin.png).
//
//   ringpipe_spin_sweep [--rounds N] [--quick] [--csv FILE] [--spins 0,1000,...]
#include <cstdio>
#include <limits>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <asio/read.hpp>
#include <asio/system_executor.hpp>
#include <asio/write.hpp>
#include <fmt/core.h>

#include "ringpipe/ringpipe.hpp"

#include "bench_support.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

// CPU seconds used by every thread of this process so far.
double process_cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

struct ping_pong_result {
  double median_us, mean_us, p99_us, cpu_us_per_trip, spun_share;
};

// A ping-pong through two rings whose endpoints all spin for `spin` before sleeping.
ping_pong_result ping_pong(std::chrono::nanoseconds spin, int rounds) {
  const ringpipe::ring_options options{.waiting = {spin, ringpipe::core::liveness_interval}};
  auto [ping_out, ping_in] = ringpipe::make_pipe(asio::system_executor(), 4096, options);
  auto [pong_out, pong_in] = ringpipe::make_pipe(asio::system_executor(), 4096, options);
  std::vector<double> trips;
  trips.reserve(static_cast<std::size_t>(rounds));
  const double cpu_before = process_cpu_seconds();
  std::thread echo([&, in = &ping_in, out = &pong_out] {
    char byte = 0;
    for (int i = 0; i < rounds; ++i) {
      asio::read(*in, asio::buffer(&byte, 1));
      asio::write(*out, asio::buffer(&byte, 1));
    }
  });
  char byte = 'p';
  for (int i = 0; i < rounds; ++i) {
    const auto sent = clock_type::now();
    asio::write(ping_out, asio::buffer(&byte, 1));
    asio::read(pong_in, asio::buffer(&byte, 1));
    trips.push_back(std::chrono::duration<double, std::micro>(clock_type::now() - sent).count());
  }
  echo.join();
  const double cpu = process_cpu_seconds() - cpu_before;
  const ringpipe::endpoint_statistics a = pong_in.statistics(), b = ping_in.statistics();
  const double waits = double(a.waits + b.waits);
  const double mean = std::accumulate(trips.begin(), trips.end(), 0.0) / double(trips.size());
  return {ringpipe::bench::median(trips), mean, ringpipe::bench::percentile(trips, 0.99), cpu / rounds * 1e6,
          waits == 0 ? 1.0 : double(a.spins_succeeded + b.spins_succeeded) / waits};
}

struct stream_result {
  double gb_per_s, cpu_s_per_gb;
};

// Streams `total` bytes in 64 KiB chunks through a 1 MiB ring whose endpoints spin for `spin`.
stream_result stream(std::chrono::nanoseconds spin, std::size_t total) {
  constexpr std::size_t chunk = 64 * 1024;
  const ringpipe::ring_options options{.waiting = {spin, ringpipe::core::liveness_interval}};
  auto [w, r] = ringpipe::make_pipe(asio::system_executor(), 1 << 20, options);
  std::vector<char> out(chunk, 'x'), in(chunk);
  const double cpu_before = process_cpu_seconds();
  const auto began = clock_type::now();
  std::thread producer([&, writer = &w] {
    for (std::size_t sent = 0; sent < total; sent += chunk)
      asio::write(*writer, asio::buffer(out));
  });
  for (std::size_t received = 0; received < total;)
    received += r.read_some(asio::buffer(in));
  producer.join();
  const double seconds = std::chrono::duration<double>(clock_type::now() - began).count();
  const double gigabytes = double(total) / 1e9;
  return {gigabytes / seconds, (process_cpu_seconds() - cpu_before) / gigabytes};
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app("The spin before sleeping, swept: round trip and throughput against CPU burned",
               "ringpipe_spin_sweep");
  int rounds = 20000;
  std::size_t stream_bytes = std::size_t{2} << 30;
  std::vector<long> spins_ns{0, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000};
  std::string csv;
  app.add_option("--rounds", rounds, "round trips per spin length")
      ->check(CLI::Range(1, std::numeric_limits<int>::max()))
      ->capture_default_str()
      ->trigger_on_parse();
  app.add_flag_callback(
         "--quick", [&] { rounds = 500, stream_bytes = 64 << 20; },
         "a smoke run: --rounds 500, 64 MiB streams")
      ->trigger_on_parse();
  app.add_option("--spins", spins_ns, "spin lengths in nanoseconds, comma-separated")
      ->delimiter(',')
      ->check(CLI::Range(0L, 10'000'000L))
      ->capture_default_str();
  app.add_option("--csv", csv, "also write the rows to this CSV file");
  app.add_flag("--strict")->description("taken as every benchmark takes it; there is no target to miss here");
  CLI11_PARSE(app, argc, argv);

  std::FILE* table = csv.empty() ? nullptr : std::fopen(csv.c_str(), "w");
  if (!csv.empty() && table == nullptr) {
    fmt::print(stderr, "ringpipe_spin_sweep: cannot write {}\n", csv);
    return 1;
  }
  if (table)
    fmt::print(
        table,
        "spin_us,rtt_median_us,rtt_mean_us,rtt_p99_us,cpu_us_per_trip,spun_share,gb_per_s,cpu_s_per_gb\n");
  fmt::print("{} round trips and {} MiB streamed per spin length (two threads, this process)\n", rounds,
             stream_bytes >> 20);
  fmt::print("{:>9} {:>13} {:>11} {:>10} {:>15} {:>11} {:>8} {:>11}\n", "spin µs", "RTT median µs", "mean µs",
             "p99 µs", "CPU µs / trip", "spin ended", "GB/s", "CPU s / GB");
  for (const long ns : spins_ns) {
    const std::chrono::nanoseconds spin(ns);
    const std::string label = fmt::format("spin {} ns", ns);
    const ping_pong_result trip =
        ringpipe::bench::watched(label + " ping-pong", [&] { return ping_pong(spin, rounds); });
    const stream_result flow =
        ringpipe::bench::watched(label + " stream", [&] { return stream(spin, stream_bytes); });
    fmt::print("{:>9.1f} {:>13.2f} {:>11.2f} {:>10.2f} {:>15.2f} {:>10.0f}% {:>8.2f} {:>11.2f}\n",
               ns / 1000.0, trip.median_us, trip.mean_us, trip.p99_us, trip.cpu_us_per_trip,
               100 * trip.spun_share, flow.gb_per_s, flow.cpu_s_per_gb);
    if (table)
      fmt::print(table, "{},{},{},{},{},{},{},{}\n", ns / 1000.0, trip.median_us, trip.mean_us, trip.p99_us,
                 trip.cpu_us_per_trip, trip.spun_share, flow.gb_per_s, flow.cpu_s_per_gb);
  }
  if (table) std::fclose(table);
}
