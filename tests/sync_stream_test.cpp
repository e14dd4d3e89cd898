// The endpoints are Asio SyncWriteStream / SyncReadStream: Asio's own composed operations work on them.
#include <catch2/catch.hpp>

#include <string>
#include <thread>
#include <vector>

#include <asio/read.hpp>
#include <asio/read_until.hpp>
#include <asio/streambuf.hpp>
#include <asio/system_executor.hpp>
#include <asio/write.hpp>

#include "ringpipe/ringpipe.hpp"
#include "test_support.hpp"

TEST_CASE("asio::read_until finds delimiters in what asio::write sent") {
  auto [w, r] = ringpipe::make_pipe(asio::system_executor(), 4096);
  asio::write(w, asio::buffer(std::string("first line\nsecond line\n")));
  asio::streambuf buffer;
  const std::size_t n = asio::read_until(r, buffer, '\n');
  std::string line(asio::buffers_begin(buffer.data()), asio::buffers_begin(buffer.data()) + n);
  CHECK(line == "first line\n");
  buffer.consume(n);
  const std::size_t m = asio::read_until(r, buffer, "line\n");
  CHECK(m == std::string("second line\n").size());
}

TEST_CASE("asio::read of more than was written ends with eof and the byte count") {
  auto [w, r] = ringpipe::make_pipe(asio::system_executor(), 4096);
  asio::write(w, asio::buffer(std::string("short")));
  w.close();
  std::string in(100, '\0');
  std::error_code ec;
  CHECK(asio::read(r, asio::buffer(in), ec) == 5);
  CHECK(ec == asio::error::eof);
  CHECK(in.substr(0, 5) == "short");
}

TEST_CASE("asio::write and asio::read move a large stream through a small ring between threads") {
  auto [w, r] = ringpipe::make_pipe(asio::system_executor(), 4096);
  const std::size_t total = 8 << 20;
  std::vector<std::byte> sent(total), received(total);
  ringpipe::test::fill_stream(sent, 0);
  std::thread producer([&, &w = w] {
    asio::write(w, asio::buffer(sent));
    w.close();
  });
  CHECK(asio::read(r, asio::buffer(received)) == total);
  producer.join();
  CHECK(ringpipe::test::first_mismatch(received, 0) == total);
  std::error_code ec;
  r.wait(ec);
  CHECK(ec == asio::error::eof);
}

TEST_CASE("asio::read_until with a dynamic string buffer reads lines written by another thread") {
  auto [w, r] = ringpipe::make_pipe(asio::system_executor(), 4096);
  std::thread producer([&w = w] {
    for (int i = 0; i < 2000; ++i)
      asio::write(w, asio::buffer(std::to_string(i) + "\n"));
  });
  std::string buffer;
  for (int i = 0; i < 2000; ++i) {
    const std::size_t n = asio::read_until(r, asio::dynamic_buffer(buffer), '\n');
    REQUIRE(buffer.substr(0, n) == std::to_string(i) + "\n");
    buffer.erase(0, n);
  }
  producer.join();
}
