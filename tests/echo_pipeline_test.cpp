// End to end: the echo_pipeline example as a real server process, driven by real TCP clients on
// loopback.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "child_process.hpp"
#include "test_support.hpp"

using namespace std::chrono_literals;
using asio::ip::tcp;

namespace {

struct running_server {
  ringpipe::test::child_process process;
  unsigned short port;

  explicit running_server(std::vector<std::string> extra = {})
      : process([&] {
          std::vector<std::string> arguments{RINGPIPE_ECHO_PIPELINE, "--port", "0"};
          arguments.insert(arguments.end(), extra.begin(), extra.end());
          return arguments;
        }()),
        port(parse_port(process.read_line())) {}

  static unsigned short parse_port(const std::string& banner) {
    REQUIRE(banner.rfind("listening on ", 0) == 0);
    return static_cast<unsigned short>(std::stoul(banner.substr(13)));
  }
};

std::uint64_t fnv1a(std::uint64_t hash, std::span<const std::byte> bytes) {
  for (std::byte b : bytes)
    hash = (hash ^ static_cast<std::uint64_t>(b)) * 0x100000001b3ull;
  return hash;
}

constexpr std::uint64_t fnv_basis = 0xcbf29ce484222325ull;

struct exchange {
  std::uint64_t size;
  std::chrono::milliseconds read_delay{0};
  std::uint64_t sent = 0, received = 0;
  std::uint64_t sent_checksum = fnv_basis, received_checksum = fnv_basis;
  bool done = false;
};

asio::awaitable<void> send(tcp::socket& socket, exchange& x) {
  std::vector<std::byte> chunk(256 * 1024);
  while (x.sent < x.size) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), x.size - x.sent));
    ringpipe::test::fill_stream(std::span(chunk).first(n), x.sent);
    x.sent_checksum = fnv1a(x.sent_checksum, std::span(chunk).first(n));
    x.sent += co_await asio::async_write(socket, asio::buffer(chunk.data(), n), asio::use_awaitable);
  }
  socket.shutdown(tcp::socket::shutdown_send);
}

asio::awaitable<void> receive(tcp::socket& socket, exchange& x) {
  if (x.read_delay.count() > 0) {
    asio::steady_timer delay(socket.get_executor(), x.read_delay);
    co_await delay.async_wait(asio::use_awaitable);
  }
  std::vector<std::byte> chunk(256 * 1024);
  for (;;) {
    std::error_code ec;
    const std::size_t n =
        co_await socket.async_read_some(asio::buffer(chunk), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    x.received_checksum = fnv1a(x.received_checksum, std::span(chunk).first(n));
    x.received += n;
  }
}

asio::awaitable<void> run_exchange(unsigned short port, exchange& x) {
  using namespace asio::experimental::awaitable_operators;
  tcp::socket socket(co_await asio::this_coro::executor);
  co_await socket.async_connect({asio::ip::address_v4::loopback(), port}, asio::use_awaitable);
  co_await (send(socket, x) && receive(socket, x));
  x.done = true;
}

void run_exchanges(unsigned short port, std::vector<exchange>& exchanges) {
  asio::io_context io;
  for (exchange& x : exchanges)
    asio::co_spawn(io, run_exchange(port, x), asio::detached);
  io.run_for(120s);
  REQUIRE(io.stopped());
}

void check_echoed(const exchange& x) {
  INFO("payload of " << x.size << " bytes");
  CHECK(x.done);
  CHECK(x.sent == x.size);
  CHECK(x.received == x.size);
  CHECK(x.received_checksum == x.sent_checksum);
}

} // namespace

TEST_CASE("many concurrent connections with payloads from 0 bytes to 64 MiB are echoed intact") {
  running_server server;
  const std::vector<std::uint64_t> sizes = {0, 1, 100, 4096, 65543, 1 << 20, 4 << 20};
  std::vector<exchange> exchanges;
  for (int i = 0; i < 30; ++i)
    exchanges.push_back({sizes[i % sizes.size()]});
  exchanges.push_back({64 << 20});
  exchanges.push_back({64 << 20});
  run_exchanges(server.port, exchanges);
  for (const exchange& x : exchanges)
    check_echoed(x);
}

TEST_CASE("a client that does not read stalls only itself and the server's memory stays bounded") {
  running_server server({"--ring", "262144"});
  const long baseline = server.process.resident_kib();
  std::vector<exchange> exchanges{{256 << 20, 1500ms}};
  long peak_while_stalled = 0;
  std::thread observer([&] {
    std::this_thread::sleep_for(1200ms);
    peak_while_stalled = server.process.resident_kib();
  });
  run_exchanges(server.port, exchanges);
  observer.join();
  INFO("server resident memory: " << baseline << " KiB at start, " << peak_while_stalled
                                  << " KiB while stalled");
  CHECK(peak_while_stalled - baseline < 32 * 1024);
  check_echoed(exchanges[0]);
}

TEST_CASE("a client that disconnects abruptly costs only its own connection") {
  running_server server;
  {
    asio::io_context io;
    tcp::socket rude(io);
    rude.connect({asio::ip::address_v4::loopback(), server.port});
    std::vector<char> half(1 << 20, 'r');
    asio::write(rude, asio::buffer(half));
    rude.set_option(asio::socket_base::linger(true, 0)); // close with a reset, mid-stream
    rude.close();
  }
  std::vector<exchange> after{{3 << 20}, {0}};
  run_exchanges(server.port, after);
  for (const exchange& x : after)
    check_echoed(x);
}

TEST_CASE("with --upper the server upper-cases what it echoes") {
  running_server server({"--upper"});
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect({asio::ip::address_v4::loopback(), server.port});
  asio::write(socket, asio::buffer(std::string("Hello, ring!")));
  socket.shutdown(tcp::socket::shutdown_send);
  std::string reply;
  std::error_code ec;
  asio::read(socket, asio::dynamic_buffer(reply), ec);
  CHECK(ec == asio::error::eof);
  CHECK(reply == "HELLO, RING!");
}

TEST_CASE("SIGTERM shuts the server down cleanly, with connections open") {
  running_server server;
  asio::io_context io;
  tcp::socket idle(io);
  idle.connect({asio::ip::address_v4::loopback(), server.port});
  std::this_thread::sleep_for(100ms);
  server.process.signal(SIGTERM);
  CHECK(server.process.wait_for_exit(10s) == 0);
  CHECK(server.process.read_line() == "shut down cleanly");
}

TEST_CASE("echo_pipeline refuses a port that is not a number, naming the option") {
  const auto run = ringpipe::test::run_to_exit({RINGPIPE_ECHO_PIPELINE, "--port", "abc"});
  REQUIRE(run.status.has_value());
  CHECK(*run.status != 0);
  CHECK_THAT(run.output, Catch::Contains("--port") && Catch::Contains("abc"));
}

TEST_CASE(
    "echo_pipeline refuses a ring size that is 0, above the largest ring or not a size, naming the option") {
  const std::string size = GENERATE("0", "2T", "lots");
  const auto run = ringpipe::test::run_to_exit({RINGPIPE_ECHO_PIPELINE, "--ring", size});
  REQUIRE(run.status.has_value());
  CHECK(*run.status != 0);
  CHECK_THAT(run.output, Catch::Contains("--ring"));
}

TEST_CASE("echo_pipeline --help lists its options and exits with 0") {
  const auto run = ringpipe::test::run_to_exit({RINGPIPE_ECHO_PIPELINE, "--help"});
  CHECK(run.status == 0);
  CHECK_THAT(run.output,
             Catch::Contains("--port") && Catch::Contains("--ring") && Catch::Contains("--workers"));
}

TEST_CASE(
    "a connection whose rings the system refuses is reported, and the server still shuts down cleanly") {
  // A file size limit below the ring's size makes the kernel refuse every ring's memory (EFBIG). The
  // shell ignores SIGXFSZ for the server, which the limit would otherwise kill instead.
  ringpipe::test::child_process server({"/bin/sh", "-c", "trap '' XFSZ; ulimit -f 64; exec \"$0\" \"$@\"",
                                        RINGPIPE_ECHO_PIPELINE, "--port", "0", "--ring", "1048576"},
                                       ringpipe::test::child_process::capture::both_outputs);
  const unsigned short port = running_server::parse_port(server.read_line());
  {
    asio::io_context io;
    tcp::socket refused(io);
    refused.connect({asio::ip::address_v4::loopback(), port});
    // Ended by the server: at once when its rings are refused, after the (empty) echo if not.
    std::error_code ec;
    refused.shutdown(tcp::socket::shutdown_send, ec);
    std::string reply;
    asio::read(refused, asio::dynamic_buffer(reply), ec);
    CHECK(reply.empty());
  }
  // The session that failed must have left the list of sockets that shutting down closes.
  server.signal(SIGTERM);
  CHECK(server.wait_for_exit(10s) == 0);
  CHECK_THAT(server.read_written(),
             Catch::Contains("echo_pipeline: connection dropped: ") && Catch::Contains("File too large"));
}
