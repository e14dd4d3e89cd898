// basic_stream: a duplex stream pair over two rings.
#include <catch2/catch.hpp>

#include <array>
#include <string>
#include <thread>
#include <type_traits>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/read.hpp>
#include <asio/redirect_error.hpp>
#include <asio/system_executor.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "ringpipe/ringpipe.hpp"

using namespace std::chrono_literals;

TEST_CASE("bytes written to one stream of a pair are read from the other, in both directions") {
  auto [a, b] = ringpipe::make_stream_pair(asio::system_executor(), 4096);
  asio::write(a, asio::buffer(std::string("to b")));
  asio::write(b, asio::buffer(std::string("to a")));
  std::array<char, 4> in{};
  asio::read(b, asio::buffer(in));
  CHECK(std::string(in.data(), 4) == "to b");
  asio::read(a, asio::buffer(in));
  CHECK(std::string(in.data(), 4) == "to a");
}

TEST_CASE("a coroutine echo over a stream pair, with a read and a write outstanding at once") {
  asio::io_context io;
  auto [client, server] = ringpipe::make_stream_pair(io, 4096);
  asio::co_spawn(
      io,
      [&server = server]() -> asio::awaitable<void> {
        std::array<char, 1000> buffer;
        for (;;) {
          std::error_code ec;
          const std::size_t n = co_await server.async_read_some(
              asio::buffer(buffer), asio::redirect_error(asio::use_awaitable, ec));
          if (ec) break;
          co_await asio::async_write(server, asio::buffer(buffer.data(), n), asio::use_awaitable);
        }
        server.close();
      },
      asio::detached);
  const std::string message(100000, 'e');
  std::string echoed(message.size(), '\0');
  std::size_t written = 0, read = 0;
  // The reply must be read while the request is still being written: the rings hold 4 KiB each.
  asio::async_write(client, asio::buffer(message),
                    [&, &requester = client](std::error_code ec, std::size_t n) {
                      CHECK_FALSE(ec);
                      written = n;
                      requester.writer().close();
                    });
  asio::async_read(client, asio::buffer(echoed), [&](std::error_code ec, std::size_t n) {
    CHECK_FALSE(ec);
    read = n;
  });
  io.run_for(20s);
  CHECK(io.stopped());
  CHECK(written == message.size());
  CHECK(read == message.size());
  CHECK(echoed == message);
}

TEST_CASE("closing a stream gives its peer eof on reads and broken_pipe on writes") {
  auto [a, b] = ringpipe::make_stream_pair(asio::system_executor(), 4096);
  a.write_some(asio::buffer("last", 4));
  a.close();
  CHECK_FALSE(a.is_open());
  std::array<char, 8> in{};
  CHECK(b.read_some(asio::buffer(in)) == 4);
  std::error_code ec;
  b.read_some(asio::buffer(in), ec);
  CHECK(ec == asio::error::eof);
  b.write_some(asio::buffer("x", 1), ec);
  CHECK(ec == asio::error::broken_pipe);
}

TEST_CASE("a stream is its own lowest layer and carries its executor") {
  asio::io_context io;
  auto [a, b] = ringpipe::make_stream_pair(io.get_executor(), asio::system_executor(), 4096);
  CHECK(&a.lowest_layer() == &a);
  CHECK(a.get_executor() == asio::any_io_executor(io.get_executor()));
  CHECK(b.get_executor() == asio::any_io_executor(asio::system_executor()));
  auto awaitable_stream = asio::use_awaitable.as_default_on(std::move(a));
  CHECK(awaitable_stream.is_open());
}

TEST_CASE("a stream's cancel(ec) ends its parked operations, and a const stream shows its halves") {
  asio::io_context io;
  auto [a, b] = ringpipe::make_stream_pair(io, 4096);
  std::array<char, 16> in{};
  std::error_code read_result;
  a.async_read_some(asio::buffer(in), [&](std::error_code ec, std::size_t) { read_result = ec; });
  io.poll(); // the read parks: nothing was written
  std::error_code ec = asio::error::fault;
  a.cancel(ec);
  CHECK_FALSE(ec);
  io.restart();
  io.run();
  CHECK(read_result == asio::error::operation_aborted);

  const ringpipe::stream& view = a;
  CHECK(view.is_open());
  CHECK(view.writer().capacity() == 4096);
  CHECK(view.reader().is_open());
  STATIC_REQUIRE(std::is_same_v<decltype(view.writer()), const ringpipe::writer&>);
  STATIC_REQUIRE(std::is_same_v<decltype(view.reader()), const ringpipe::reader&>);
  b.close();
}
