// The echo pipeline's built-in client (--demo): several connections at once, each sending a stream of
// letters while reading the reply, then checking every byte of it.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/connect.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

namespace demo {

// Byte i of every connection's request: a lower-case letter, so that --upper shows.
inline char request_byte(std::uint64_t i) { return static_cast<char>('a' + (i * 2654435761u >> 7) % 26); }

inline char expected_reply(std::uint64_t i, bool upper) {
  const char c = request_byte(i);
  return upper ? static_cast<char>(c - 'a' + 'A') : c;
}

struct connection_report {
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
  bool intact = true;
};

inline asio::awaitable<void> send_request(asio::ip::tcp::socket& socket, std::uint64_t size,
                                          connection_report& report) {
  std::vector<char> chunk(64 * 1024);
  while (report.sent < size) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), size - report.sent));
    for (std::size_t i = 0; i < n; ++i)
      chunk[i] = request_byte(report.sent + i);
    report.sent += co_await asio::async_write(socket, asio::buffer(chunk.data(), n), asio::use_awaitable);
  }
  socket.shutdown(asio::ip::tcp::socket::shutdown_send);
}

inline asio::awaitable<void> check_reply(asio::ip::tcp::socket& socket, bool upper,
                                         connection_report& report) {
  std::vector<char> chunk(64 * 1024);
  for (;;) {
    std::error_code ec;
    const std::size_t n =
        co_await socket.async_read_some(asio::buffer(chunk), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    for (std::size_t i = 0; i < n; ++i)
      report.intact &= chunk[i] == expected_reply(report.received + i, upper);
    report.received += n;
  }
}

inline asio::awaitable<void> echo_once(unsigned short port, std::uint64_t size, bool upper,
                                       connection_report& report) {
  using namespace asio::experimental::awaitable_operators;
  asio::ip::tcp::socket socket(co_await asio::this_coro::executor);
  co_await socket.async_connect({asio::ip::address_v4::loopback(), port}, asio::use_awaitable);
  co_await (send_request(socket, size, report) && check_reply(socket, upper, report));
}

// Returns 0 when every connection got back exactly what it sent (transformed as asked).
inline int run_client(unsigned short port, bool upper) {
  const std::vector<std::uint64_t> sizes = {0, 1, 1000, 64 << 10, 1 << 20, 16 << 20, 64 << 20, 64 << 20};
  std::vector<connection_report> reports(sizes.size());
  asio::io_context io;
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < sizes.size(); ++i)
    asio::co_spawn(io, echo_once(port, sizes[i], upper, reports[i]), asio::detached);
  io.run();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::uint64_t total = 0;
  bool all_good = true;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    const bool good = reports[i].intact && reports[i].received == sizes[i] && reports[i].sent == sizes[i];
    std::printf("connection %zu: sent %llu bytes, got back %llu %s\n", i,
                static_cast<unsigned long long>(reports[i].sent),
                static_cast<unsigned long long>(reports[i].received), good ? "intact" : "WRONG");
    total += reports[i].received;
    all_good &= good;
  }
  std::printf("%zu concurrent connections echoed %.1f MiB in %.2f s (%.0f MiB/s each way)\n", sizes.size(),
              total / 1048576.0, seconds, total / 1048576.0 / seconds);
  return all_good ? 0 : 1;
}

} // namespace demo
