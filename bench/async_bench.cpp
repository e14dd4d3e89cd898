// Coroutines on two io_context threads: 4 KiB chunks streamed through a 1 MiB ringpipe against an Asio
// concurrent_channel carrying the same bytes in a pool of 256 recycled 4 KiB buffers (1 MiB), and a
// 64-byte ping-pong through two ringpipe rings, an AF_UNIX socket pair and two channels. `--sweep chunk`
// streams 64 B to 1 MiB chunks instead (the channel's pool always holds 1 MiB). bench/README.md says what
// each contender does and what it measured.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <asio/buffer.hpp>
#include <asio/co_spawn.hpp>
#include <asio/experimental/concurrent_channel.hpp>
#include <asio/io_context.hpp>
#include <asio/local/connect_pair.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/read.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <fmt/core.h>

#include "ringpipe/ringpipe.hpp"

#include "bench_support.hpp"

namespace {

namespace bench = ringpipe::bench;

constexpr std::size_t ring_capacity = std::size_t{1} << 20;
constexpr std::size_t target_chunk = std::size_t{4} << 10;
constexpr std::size_t message_size = 64;
constexpr double target_times_channel = 4.0;

using buffer_channel = asio::experimental::concurrent_channel<void(std::error_code, std::vector<std::byte>)>;
using message = std::array<std::byte, message_size>;
using message_channel = asio::experimental::concurrent_channel<void(std::error_code, message)>;

// Two io_contexts, each run by a thread of its own: `first` by a new one, `second` by this one, released
// together once the coroutines are spawned. run() returns the seconds until `second` ran out of work.
struct two_threads {
  asio::io_context first, second;
  double run() {
    return bench::timed_transfer([this] { first.run(); }, [this] { second.run(); });
  }
};

// co_spawn's completion: a coroutine's exception leaves run(), and timed_transfer rethrows it.
void rethrow(std::exception_ptr failure) {
  if (failure) std::rethrow_exception(failure);
}

// What one streaming run moves: `total` bytes as chunks of the same `source` bytes. The reader puts stream
// byte p at landing[p % chunk], so after a run `landing` must equal `source`.
struct workload {
  std::size_t chunk;
  std::vector<std::byte> source = std::vector<std::byte>(chunk), landing = std::vector<std::byte>(chunk);
  std::uint64_t total;

  // At most 2^20 chunks of `chunk_size`, so that a sweep's small chunks take seconds, not minutes.
  workload(std::size_t chunk_size, std::uint64_t bytes)
      : chunk(chunk_size),
        total(std::min<std::uint64_t>(bytes, std::uint64_t{chunk_size} << 20) / chunk * chunk) {
    for (std::size_t i = 0; i < chunk; ++i)
      source[i] = static_cast<std::byte>((i * 2654435761u) >> 13);
  }
  void check(const char* contender) const {
    if (landing != source) throw std::runtime_error(std::string(contender) + " delivered wrong bytes");
  }
};

asio::awaitable<void> write_chunks(ringpipe::writer writer, const workload& w) {
  for (std::uint64_t sent = 0; sent < w.total; sent += w.chunk)
    co_await asio::async_write(writer, asio::buffer(w.source), asio::use_awaitable);
}

asio::awaitable<void> read_chunks(ringpipe::reader reader, workload& w) {
  for (std::uint64_t received = 0; received < w.total;) {
    const std::size_t offset = received % w.chunk;
    received += co_await reader.async_read_some(asio::buffer(w.landing.data() + offset, w.chunk - offset),
                                                asio::use_awaitable);
  }
}

// The extra contender: the same chunks and the same two copies, through the zero-copy calls. The writer
// copies each chunk into prepare()d ring memory and commits it; the reader copies each chunk out of
// data() and consumes it. A coroutine suspends (async_wait) only when the ring is full or empty, instead
// of completing one asynchronous operation per chunk. Both sides move whole chunks, so the room and the
// data are always whole chunks too.
asio::awaitable<void> write_in_place(ringpipe::writer writer, const workload& w) {
  for (std::uint64_t sent = 0; sent < w.total; sent += w.chunk) {
    asio::mutable_buffer room;
    while ((room = writer.prepare(w.chunk)).size() < w.chunk)
      co_await writer.async_wait(asio::use_awaitable);
    std::memcpy(room.data(), w.source.data(), w.chunk);
    writer.commit(w.chunk);
  }
}

asio::awaitable<void> read_in_place(ringpipe::reader reader, workload& w) {
  for (std::uint64_t received = 0; received < w.total; received += w.chunk) {
    asio::const_buffer ready;
    while ((ready = reader.data()).size() < w.chunk)
      co_await reader.async_wait(asio::use_awaitable);
    std::memcpy(w.landing.data(), ready.data(), w.chunk);
    reader.consume(w.chunk);
  }
}

template <class Write, class Read>
double ringpipe_stream(workload& w, Write write, Read read, const char* name) {
  std::fill(w.landing.begin(), w.landing.end(), std::byte{0});
  two_threads io;
  auto [writer, reader] =
      ringpipe::make_pipe(io.first.get_executor(), io.second.get_executor(), ring_capacity);
  asio::co_spawn(io.first, write(std::move(writer), w), rethrow);
  asio::co_spawn(io.second, read(std::move(reader), w), rethrow);
  const double seconds = io.run();
  w.check(name);
  return seconds;
}

// The channel's writer takes an empty buffer from the pool, copies the chunk in and sends it; the
// reader copies it out and returns the buffer to the pool: two copies, as through the ring, and at most
// 1 MiB in flight. Moving a std::vector moves its chunk without copying it.
asio::awaitable<void> fill_buffers(buffer_channel& empty, buffer_channel& full, const workload& w) {
  for (std::uint64_t sent = 0; sent < w.total; sent += w.chunk) {
    std::vector<std::byte> buffer = co_await empty.async_receive(asio::use_awaitable);
    std::memcpy(buffer.data(), w.source.data(), w.chunk);
    co_await full.async_send(std::error_code(), std::move(buffer), asio::use_awaitable);
  }
}

asio::awaitable<void> drain_buffers(buffer_channel& full, buffer_channel& empty, workload& w) {
  for (std::uint64_t received = 0; received < w.total; received += w.chunk) {
    std::vector<std::byte> buffer = co_await full.async_receive(asio::use_awaitable);
    std::memcpy(w.landing.data(), buffer.data(), w.chunk);
    co_await empty.async_send(std::error_code(), std::move(buffer), asio::use_awaitable);
  }
}

double channel_stream(workload& w) {
  std::fill(w.landing.begin(), w.landing.end(), std::byte{0});
  two_threads io;
  const std::size_t pool_buffers = ring_capacity / w.chunk; // as many bytes as the ring holds
  buffer_channel empty(io.first, pool_buffers), full(io.second, pool_buffers);
  for (std::size_t i = 0; i < pool_buffers; ++i)
    empty.try_send(std::error_code(), std::vector<std::byte>(w.chunk));
  asio::co_spawn(io.first, fill_buffers(empty, full, w), rethrow);
  asio::co_spawn(io.second, drain_buffers(full, empty, w), rethrow);
  const double seconds = io.run();
  w.check("concurrent_channel");
  return seconds;
}

// The ends of a ping-pong, with send(message) and receive(): a stream's, or a pair of channels (one
// each way, each buffering one message, so that a send completes without waiting for the receiver).
template <class Stream>
struct stream_end {
  Stream stream;
  asio::awaitable<void> send(const message& out) {
    co_await asio::async_write(stream, asio::buffer(out), asio::use_awaitable);
  }
  asio::awaitable<message> receive() {
    message in;
    co_await asio::async_read(stream, asio::buffer(in), asio::use_awaitable);
    co_return in;
  }
};

struct channel_end {
  message_channel &outgoing, &incoming;
  asio::awaitable<void> send(const message& out) {
    co_await outgoing.async_send(std::error_code(), out, asio::use_awaitable);
  }
  asio::awaitable<message> receive() { co_return co_await incoming.async_receive(asio::use_awaitable); }
};

// The ping side sends a message stamped with its number and times until the same message is back.
template <class End>
asio::awaitable<void> ping(End end, std::vector<double>& micros) {
  for (std::uint64_t i = 0; i < micros.size(); ++i) {
    message out{};
    std::memcpy(out.data(), &i, sizeof i);
    const auto sent = std::chrono::steady_clock::now();
    co_await end.send(out);
    const message in = co_await end.receive();
    micros[i] = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - sent).count();
    if (in != out) throw std::runtime_error("ping-pong: a wrong message came back");
  }
}

template <class End>
asio::awaitable<void> pong(End end, std::size_t trips) {
  for (std::size_t i = 0; i < trips; ++i)
    co_await end.send(co_await end.receive());
}

// Runs ping on the second thread against pong on the first; returns each round trip in µs.
template <class End>
std::vector<double> ping_pong(two_threads& io, End ping_end, End pong_end, std::size_t trips) {
  std::vector<double> micros(trips);
  asio::co_spawn(io.first, pong(std::move(pong_end), trips), rethrow);
  asio::co_spawn(io.second, ping(std::move(ping_end), micros), rethrow);
  io.run();
  return micros;
}

std::vector<double> ringpipe_ping_pong(std::size_t trips) {
  two_threads io;
  auto [pong_end, ping_end] =
      ringpipe::make_stream_pair(io.first.get_executor(), io.second.get_executor(), 64 << 10);
  using end = stream_end<ringpipe::stream>;
  return ping_pong(io, end{std::move(ping_end)}, end{std::move(pong_end)}, trips);
}

std::vector<double> socket_ping_pong(std::size_t trips) {
  two_threads io;
  asio::local::stream_protocol::socket pong_end(io.first), ping_end(io.second);
  asio::local::connect_pair(pong_end, ping_end);
  using end = stream_end<asio::local::stream_protocol::socket>;
  return ping_pong(io, end{std::move(ping_end)}, end{std::move(pong_end)}, trips);
}

std::vector<double> channel_ping_pong(std::size_t trips) {
  two_threads io;
  message_channel there(io.first, 1), back(io.second, 1);
  return ping_pong(io, channel_end{there, back}, channel_end{back, there}, trips);
}

struct streamer {
  const char* name;
  const char* id; // its name in the CSV
  double (*run)(workload&);
};
struct ping_ponger {
  const char* name;
  const char* id;
  std::vector<double> (*run)(std::size_t trips);
};

// The first two are the ones the target compares: one asynchronous operation per chunk on each side.
constexpr streamer streamers[] = {
    {"ringpipe async_write/async_read_some", "ringpipe",
     [](workload& w) { return ringpipe_stream(w, write_chunks, read_chunks, "ringpipe"); }},
    {"concurrent_channel, 1 MiB pool of chunk buffers", "channel", channel_stream},
    {"ringpipe zero-copy + async_wait when full/empty (extra)", "ringpipe-zero-copy",
     [](workload& w) { return ringpipe_stream(w, write_in_place, read_in_place, "ringpipe zero-copy"); }}};
constexpr ping_ponger ping_pongers[] = {{"ringpipe make_stream_pair", "ringpipe", ringpipe_ping_pong},
                                        {"AF_UNIX socket pair", "socketpair", socket_ping_pong},
                                        {"two concurrent_channels", "channels", channel_ping_pong}};

struct results {
  std::vector<std::size_t> chunks;
  std::vector<std::array<bench::tally, std::size(streamers)>> streams; // [chunk][streamer]
  bench::tally medians[std::size(ping_pongers)], p99s[std::size(ping_pongers)];
  std::vector<double> round_trips[std::size(ping_pongers)]; // every round's, for the CDF
};

// 64 B to 1 MiB for --sweep chunk (no ping-pongs then); else the target's 4 KiB.
std::vector<std::size_t> chunks_of(const bench::options& opt) {
  if (opt.sweep.empty()) return {target_chunk};
  std::vector<std::size_t> chunks;
  for (std::size_t chunk = 64; chunk <= ring_capacity; chunk *= 4)
    chunks.push_back(chunk);
  return chunks;
}

// Each round runs every contender once in turn, so that drift in the machine's load spreads over all.
results measure(const bench::options& opt) {
  results all;
  all.chunks = chunks_of(opt);
  all.streams.resize(all.chunks.size());
  for (int round = 1; round <= opt.rounds; ++round) {
    fmt::print("round {}/{}: GB/s", round, opt.rounds);
    for (std::size_t c = 0; c < all.chunks.size(); ++c) {
      workload w(all.chunks[c], opt.bytes);
      if (all.chunks.size() > 1) fmt::print("  {}:", bench::format_bytes(w.chunk));
      for (std::size_t k = 0; k < std::size(streamers); ++k) {
        const auto [seconds, cpus] =
            bench::with_cpu_share(streamers[k].name, [&] { return streamers[k].run(w); });
        all.streams[c][k].add(double(w.total) / seconds / 1e9, cpus);
        fmt::print(" {:.2f}", all.streams[c][k].values.back());
      }
    }
    if (opt.sweep.empty()) {
      fmt::print("; round trip median µs");
      for (std::size_t k = 0; k < std::size(ping_pongers); ++k) {
        const auto [micros, cpus] =
            bench::with_cpu_share(ping_pongers[k].name, [&] { return ping_pongers[k].run(opt.round_trips); });
        all.medians[k].add(bench::median(micros), cpus);
        all.p99s[k].add(bench::percentile(micros, 0.99), cpus);
        all.round_trips[k].insert(all.round_trips[k].end(), micros.begin(), micros.end());
        fmt::print(" {:.1f}", all.medians[k].values.back());
      }
    }
    fmt::print("\n");
    std::fflush(stdout);
  }
  return all;
}

// The streaming tables, also as CSV rows of table `chunk` (x: the chunk size).
void print_streams(const results& all, bench::csv_output& csv) {
  for (std::size_t c = 0; c < all.chunks.size(); ++c) {
    fmt::print("\nstreaming {} chunks, coroutine to coroutine, 1 MiB in flight at most\n",
               bench::format_bytes(all.chunks[c]));
    bench::print_tally_header("GB/s");
    for (std::size_t k = 0; k < std::size(streamers); ++k) {
      bench::print_tally(streamers[k].name, all.streams[c][k]);
      csv.row("chunk", streamers[k].id, double(all.chunks[c]), all.streams[c][k]);
    }
    fmt::print("  {:<62}{:>12.2f}x\n", "ringpipe / channel",
               all.streams[c][0].median_value() / all.streams[c][1].median_value());
  }
}

// The ping-pong tables and every round trip's CDF (table `cdf`), the ratios, and the target; returns
// whether it was met.
bool report_targets(const results& all, bench::csv_output& csv) {
  fmt::print("\n{}-byte ping-pong, coroutine to coroutine; median over the rounds of each round's figure\n",
             message_size);
  bench::print_tally_header("µs");
  for (std::size_t k = 0; k < std::size(ping_pongers); ++k) {
    bench::print_tally(fmt::format("{}: median", ping_pongers[k].name), all.medians[k]);
    bench::print_tally(fmt::format("{}: p99", ping_pongers[k].name), all.p99s[k]);
    csv.cdf("cdf", ping_pongers[k].id, all.round_trips[k]);
  }
  const auto trip = [&](std::size_t k) { return all.medians[k].median_value(); };
  const auto rate = [&](std::size_t k) { return all.streams[0][k].median_value(); };
  fmt::print("\nratios of medians\n");
  for (const auto& [what, ratio] :
       {std::pair{"streaming: ringpipe zero-copy (extra) / channel", rate(2) / rate(1)},
        std::pair{"round trip: socket pair / ringpipe", trip(1) / trip(0)},
        std::pair{"round trip: channels / ringpipe", trip(2) / trip(0)}})
    fmt::print("  {:<62}{:>12.2f}x\n", what, ratio);
  fmt::print("\ntargets (exit status 0 regardless, unless --strict):\n");
  return bench::judge("streaming 4 KiB: ringpipe / concurrent_channel", rate(0) / rate(1),
                      target_times_channel);
}

} // namespace

int main(int argc, char** argv) {
  const bench::command_line line{
      .program = "ringpipe_async_bench",
      .description =
          "Coroutines streaming and ping-ponging: ringpipe against Asio's concurrent_channel and AF_UNIX",
      .bytes_are = "bytes streamed per contender and round (at most 2^20 chunks)",
      .defaults = {.bytes = std::uint64_t{1} << 30, .rounds = 5, .round_trips = 20000},
      .quick = {.bytes = std::uint64_t{16} << 20, .rounds = 3, .round_trips = 2000},
      .sweeps = {"chunk"},
      .sweeps_are = "chunk: stream 64 B to 1 MiB chunks (no ping-pong, no target)"};
  return bench::run_main(argc, argv, line, [](const bench::options& opt) {
    fmt::print("ringpipe_async_bench on {} CPUs: {} streamed per contender and round, {} round trips; {} "
               "rounds; GB = 1e9 bytes\n",
               std::thread::hardware_concurrency(), bench::format_bytes(opt.bytes), opt.round_trips,
               opt.rounds);
    bench::csv_output csv(opt.csv);
    const results all = measure(opt);
    print_streams(all, csv);
    return opt.sweep.empty() ? report_targets(all, csv) : true;
  });
}
