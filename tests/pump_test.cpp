// async_pump between ringpipe endpoints and sockets, in every combination, with errors and cancellation.
#include <catch2/catch.hpp>

#include <string>
#include <thread>
#include <vector>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/local/connect_pair.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/read.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "ringpipe/ringpipe.hpp"
#include "test_support.hpp"

using namespace std::chrono_literals;
using unix_socket = asio::local::stream_protocol::socket;

namespace {

constexpr std::uint64_t stream_size = 4 << 20;

// Writes the test stream into `sink` and then ends it (shutdown for a socket, close for a writer).
template <class Sink>
asio::awaitable<void> send_stream(Sink& sink) {
  std::vector<std::byte> chunk(10000);
  for (std::uint64_t position = 0; position < stream_size;) {
    const std::size_t n =
        static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), stream_size - position));
    ringpipe::test::fill_stream(std::span(chunk).first(n), position);
    position += co_await asio::async_write(sink, asio::buffer(chunk.data(), n), asio::use_awaitable);
  }
  if constexpr (std::is_same_v<Sink, unix_socket>)
    sink.shutdown(unix_socket::shutdown_send);
  else
    sink.close();
}

// Reads the test stream from `source` to its end; returns the bytes that matched, in order.
template <class Source>
asio::awaitable<std::uint64_t> receive_stream(Source& source) {
  std::vector<std::byte> chunk(7000);
  std::uint64_t position = 0;
  for (;;) {
    std::error_code ec;
    const std::size_t n =
        co_await source.async_read_some(asio::buffer(chunk), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    if (ringpipe::test::first_mismatch(std::span(chunk).first(n), position) != n) break;
    position += n;
  }
  co_return position;
}

struct pump_result {
  std::error_code error;
  std::uint64_t total = 0;
};

template <class Source, class Sink>
void start_pump(Source& source, Sink& sink, pump_result& result, ringpipe::pump_options options = {}) {
  ringpipe::async_pump(source, sink, options, [&result](std::error_code ec, std::uint64_t total) {
    result = {ec, total};
  });
}

void run(asio::io_context& io) {
  io.run_for(30s);
  REQUIRE(io.stopped());
}

} // namespace

TEST_CASE("a socket pumped into a ring: zero-copy reads, eof passed downstream") {
  asio::io_context io;
  unix_socket in(io), in_peer(io);
  asio::local::connect_pair(in, in_peer);
  auto [w, r] = ringpipe::make_pipe(io, 64 * 1024);
  pump_result result;
  std::uint64_t received = 0;
  start_pump(in, w, result);
  asio::co_spawn(io, send_stream(in_peer), asio::detached);
  asio::co_spawn(
      io, [&r = r, &received]() -> asio::awaitable<void> { received = co_await receive_stream(r); },
      asio::detached);
  run(io);
  CHECK_FALSE(result.error);
  CHECK(result.total == stream_size);
  CHECK(received == stream_size);
  CHECK_FALSE(w.is_open());
}

TEST_CASE("a ring pumped into a socket: zero-copy writes out of ring memory") {
  asio::io_context io;
  unix_socket out(io), out_peer(io);
  asio::local::connect_pair(out, out_peer);
  auto [w, r] = ringpipe::make_pipe(io, 64 * 1024);
  pump_result result;
  std::uint64_t received = 0;
  // A socket sink is left open at the end: the test ends its stream once the pump completes.
  ringpipe::async_pump(r, out, [&result, &out](std::error_code ec, std::uint64_t total) {
    result = {ec, total};
    out.shutdown(unix_socket::shutdown_send);
  });
  asio::co_spawn(io, send_stream(w), asio::detached);
  asio::co_spawn(
      io, [&out_peer, &received]() -> asio::awaitable<void> { received = co_await receive_stream(out_peer); },
      asio::detached);
  run(io);
  CHECK_FALSE(result.error);
  CHECK(result.total == stream_size);
  CHECK(received == stream_size);
}

TEST_CASE("a ring pumped into another ring, and a socket into a socket through a bounded buffer") {
  asio::io_context io;
  auto [w1, r1] = ringpipe::make_pipe(io, 16 * 1024);
  auto [w2, r2] = ringpipe::make_pipe(io, 16 * 1024);
  unix_socket a(io), a_peer(io), b(io), b_peer(io);
  asio::local::connect_pair(a, a_peer);
  asio::local::connect_pair(b, b_peer);
  pump_result ring_to_ring, socket_to_socket;
  std::uint64_t received_ring = 0, received_socket = 0;
  start_pump(r1, w2, ring_to_ring);
  start_pump(a, b, socket_to_socket, {.close_sink = true, .buffer_size = 4096});
  asio::co_spawn(io, send_stream(w1), asio::detached);
  asio::co_spawn(io, send_stream(a_peer), asio::detached);
  asio::co_spawn(
      io,
      [&r2 = r2, &received_ring]() -> asio::awaitable<void> { received_ring = co_await receive_stream(r2); },
      asio::detached);
  asio::co_spawn(
      io,
      [&b_peer, &received_socket]() -> asio::awaitable<void> {
        std::vector<std::byte> all(stream_size);
        co_await asio::async_read(b_peer, asio::buffer(all), asio::use_awaitable);
        received_socket = ringpipe::test::first_mismatch(all, 0);
      },
      asio::detached);
  run(io);
  CHECK(ring_to_ring.total == stream_size);
  CHECK(received_ring == stream_size);
  CHECK(socket_to_socket.total == stream_size);
  CHECK(received_socket == stream_size);
}

TEST_CASE("close_sink = false leaves the ringpipe sink open at the source's end") {
  asio::io_context io;
  auto [w1, r1] = ringpipe::make_pipe(io, 4096);
  auto [w2, r2] = ringpipe::make_pipe(io, 4096);
  pump_result result;
  start_pump(r1, w2, result, {.close_sink = false});
  w1.write_some(asio::buffer("abc", 3));
  w1.close();
  run(io);
  CHECK(result.total == 3);
  CHECK(w2.is_open());
  std::array<char, 3> in{};
  CHECK(r2.read_some(asio::buffer(in)) == 3);
  CHECK_FALSE(r2.wait_for(10ms));
}

TEST_CASE("a sink that fails ends the pump with its error and the count so far") {
  asio::io_context io;
  auto [w1, r1] = ringpipe::make_pipe(io, 4096);
  auto [w2, r2] = ringpipe::make_pipe(io, 4096);
  pump_result result;
  start_pump(r1, w2, result);
  w1.write_some(asio::buffer("abc", 3));
  io.poll();
  r2.close();
  w1.write_some(asio::buffer("def", 3));
  run(io);
  CHECK(result.error == asio::error::broken_pipe);
  CHECK(result.total == 3);
}

TEST_CASE("a pump is cancellable and reports what it moved") {
  asio::io_context io;
  auto [w1, r1] = ringpipe::make_pipe(io, 4096);
  auto [w2, r2] = ringpipe::make_pipe(io, 4096);
  asio::cancellation_signal signal;
  pump_result result;
  ringpipe::async_pump(
      r1, w2, asio::bind_cancellation_slot(signal.slot(), [&](std::error_code ec, std::uint64_t total) {
        result = {ec, total};
      }));
  w1.write_some(asio::buffer("12345", 5));
  io.poll();
  signal.emit(asio::cancellation_type::terminal);
  run(io);
  CHECK(result.error == asio::error::operation_aborted);
  CHECK(result.total == 5);
}

namespace {

// Reads from `peer` until `wanted` bytes came or nothing more is there; returns what came.
std::string drain(unix_socket& peer, std::size_t wanted) {
  std::string received;
  std::vector<char> chunk(1 << 16);
  peer.non_blocking(true);
  for (int idle = 0; received.size() < wanted && idle < 40;) {
    std::error_code ec;
    const std::size_t n = peer.read_some(asio::buffer(chunk), ec);
    if (ec == asio::error::would_block) {
      ++idle;
      std::this_thread::sleep_for(5ms);
      continue;
    }
    if (ec) break;
    received.append(chunk.data(), n);
  }
  return received;
}

} // namespace

TEST_CASE("a ring pumped into a stalled socket, its endpoints closed mid-write: the pump completes with the "
          "error and the count, the memory it lent stays mapped") {
  asio::io_context io;
  auto [w, r] = ringpipe::make_pipe(io, 1 << 20);
  unix_socket out(io), peer(io);
  asio::local::connect_pair(out, peer);
  const std::string chunk(1 << 20, 'p');
  REQUIRE(w.write_some(asio::buffer(chunk)) == chunk.size());
  std::error_code result = asio::error::would_block;
  std::uint64_t moved = 0;
  ringpipe::async_pump(r, out, [&](std::error_code ec, std::uint64_t n) {
    result = ec;
    moved = n;
  });
  // The socket's buffer fills and the pump's write waits for the peer, which does not read yet.
  io.run_for(200ms);
  REQUIRE(result == asio::error::would_block);
  r.close();
  w.close(); // the last endpoint: only the pump still holds the ring's memory
  std::string received = drain(peer, chunk.size());
  io.run_for(500ms); // never throws: every step reports errors through error_code
  received += drain(peer, chunk.size());
  CHECK(result == asio::error::bad_descriptor);
  CHECK(moved > 0);
  CHECK(received.size() >= moved);
  CHECK(received.find_first_not_of('p') == std::string::npos);
}

TEST_CASE("a pump cancelled while data keeps flowing stops between steps") {
  asio::io_context io;
  auto [source_writer, source] = ringpipe::make_pipe(io, 1 << 20);
  auto [sink, sink_reader] = ringpipe::make_pipe(io, 4 << 20);
  const std::string chunk(1 << 20, 'c');
  REQUIRE(source_writer.write_some(asio::buffer(chunk)) == chunk.size());
  asio::cancellation_signal cancel;
  std::error_code result = asio::error::would_block;
  std::uint64_t moved = 0;
  ringpipe::async_pump(source, sink,
                       asio::bind_cancellation_slot(cancel.slot(), [&](std::error_code ec, std::uint64_t n) {
                         result = ec;
                         moved = n;
                       }));
  // Every step completes at once (data and room are there): only a check between steps sees this.
  cancel.emit(asio::cancellation_type::terminal);
  io.run_for(1s);
  source_writer.close();
  io.run_for(1s);
  CHECK(result == asio::error::operation_aborted);
  CHECK(moved < chunk.size());
  CHECK(sink_reader.data().size() == moved);
}
