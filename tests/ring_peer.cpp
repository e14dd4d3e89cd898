// The other process in the cross-process tests: attaches to a named ring as writer or reader,
// blocking or asynchronous, and moves the test stream.
//
//   ring_peer write NAME BYTES blocking|async    writes BYTES of the stream (0: until killed), closes
//   ring_peer read NAME blocking|async           reads and checks the stream to its end
//
// Prints "attached" once it holds its role, and at the end "done BYTES" and the error that ended it.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

#include "ringpipe/core/platform.hpp"
#include "ringpipe/ringpipe.hpp"
#include "test_support.hpp"

namespace {

constexpr std::size_t chunk_size = 10000;

std::error_code write_stream(ringpipe::writer& w, std::uint64_t total, std::uint64_t& position) {
  std::vector<std::byte> chunk(chunk_size);
  std::error_code ec;
  while (total == 0 || position < total) {
    const std::size_t n = total == 0 ? chunk.size() : std::min<std::uint64_t>(chunk.size(), total - position);
    ringpipe::test::fill_stream(std::span(chunk).first(n), position);
    position += asio::write(w, asio::buffer(chunk.data(), n), ec);
    if (ec) return ec;
  }
  return {};
}

asio::awaitable<std::error_code> write_stream_async(ringpipe::writer& w, std::uint64_t total,
                                                    std::uint64_t& position) {
  std::vector<std::byte> chunk(chunk_size);
  std::error_code ec;
  while (total == 0 || position < total) {
    const std::size_t n = total == 0 ? chunk.size() : std::min<std::uint64_t>(chunk.size(), total - position);
    ringpipe::test::fill_stream(std::span(chunk).first(n), position);
    position += co_await asio::async_write(w, asio::buffer(chunk.data(), n),
                                           asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return ec;
  }
  co_return std::error_code();
}

// A wrong byte ends the reading with std::errc::illegal_byte_sequence.
std::error_code check_chunk(std::span<const std::byte> bytes, std::uint64_t& position) {
  if (ringpipe::test::first_mismatch(bytes, position) != bytes.size())
    return std::make_error_code(std::errc::illegal_byte_sequence);
  position += bytes.size();
  return {};
}

std::error_code read_stream(ringpipe::reader& r, std::uint64_t& position) {
  std::vector<std::byte> chunk(chunk_size);
  for (;;) {
    std::error_code ec;
    const std::size_t n = r.read_some(asio::buffer(chunk), ec);
    if (ec) return ec;
    if (auto bad = check_chunk(std::span(chunk).first(n), position)) return bad;
  }
}

asio::awaitable<std::error_code> read_stream_async(ringpipe::reader& r, std::uint64_t& position) {
  std::vector<std::byte> chunk(chunk_size);
  for (;;) {
    std::error_code ec;
    const std::size_t n =
        co_await r.async_read_some(asio::buffer(chunk), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return ec;
    if (auto bad = check_chunk(std::span(chunk).first(n), position)) co_return bad;
  }
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: ring_peer write NAME BYTES blocking|async | read NAME blocking|async\n");
    return 2;
  }
  const std::string mode = argv[1];
  const std::string name = argv[2];
  const bool async = std::strcmp(argv[argc - 1], "async") == 0;
  try {
    asio::io_context io;
    const ringpipe::ring memory = ringpipe::open_shared_ring(name);
    std::uint64_t position = 0;
    std::error_code result;
    if (mode == "write") {
      const std::uint64_t total = std::strtoull(argv[3], nullptr, 10);
      ringpipe::writer w(io, memory);
      std::printf("attached\n");
      std::fflush(stdout);
      if (async)
        asio::co_spawn(io, write_stream_async(w, total, position),
                       [&](std::exception_ptr, std::error_code ec) { result = ec; });
      else
        result = write_stream(w, total, position);
      io.run();
    } else {
      ringpipe::reader r(io, memory);
      std::printf("attached\n");
      std::fflush(stdout);
      if (async)
        asio::co_spawn(io, read_stream_async(r, position),
                       [&](std::exception_ptr, std::error_code ec) { result = ec; });
      else
        result = read_stream(r, position);
      io.run();
    }
    std::printf("done %llu %s\n", static_cast<unsigned long long>(position),
                result ? result.message().c_str() : "ok");
    // A late wake-up is a lost one that the bounded recheck caught: a failure here too.
    return ringpipe::core::late_wakeup_count() == 0 ? 0 : 3;
  } catch (const std::exception& e) {
    std::printf("failed %s\n", e.what());
    return 1;
  }
}
