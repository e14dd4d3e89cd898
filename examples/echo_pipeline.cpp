// The echo pipeline: a TCP server written with coroutines where every connection runs
//
//   socket --async_pump--> ring --> blocking worker thread --> ring --async_pump--> socket
//
// The pumps are zero-copy (the socket reads into and writes out of ring memory); the worker is a plain
// thread using read_some/write_some, to show both kinds of endpoint on one ring. Backpressure is end to
// end: a client that does not read stalls its own connection, and the server's memory stays fixed.
//
//   echo_pipeline [--port N] [--ring BYTES] [--workers N] [--upper] [--demo]
//
// --port 0 picks a free port (printed as "listening on PORT"). --upper upper-cases instead of echoing.
// --demo starts the server on a free port, runs a built-in client against it, prints what it did and
// exits. SIGINT/SIGTERM shut the server down cleanly. --help lists the options and their limits; a
// command line outside them is refused with CLI11's message and exit status.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <list>
#include <thread>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/signal_set.hpp>
#include <asio/system_executor.hpp>
#include <asio/use_awaitable.hpp>

#include <CLI/CLI.hpp>

#include "echo_client.hpp"
#include "ringpipe/ringpipe.hpp"
#include "work_queue.hpp"

namespace {

using asio::ip::tcp;

struct options {
  unsigned short port = 5555;
  std::size_t ring_size = 256 * 1024;
  unsigned workers = 4;
  bool upper = false;
  bool demo = false;
};

// The command line, described to `app`, which writes what it parses into `parsed`.
void add_options(CLI::App& app, options& parsed) {
  app.add_option("--port", parsed.port, "TCP port on 127.0.0.1; 0 picks a free one")->capture_default_str();
  app.add_option("--ring", parsed.ring_size, "bytes in each of a connection's two rings")
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::Range(std::uint64_t{1}, ringpipe::core::max_capacity))
      ->capture_default_str();
  // A thread each: a thousand is far past what one loopback server of this kind can use, so more is a typo.
  app.add_option("--workers", parsed.workers, "worker threads, each serving one connection at a time")
      ->check(CLI::Range(1u, 1024u))
      ->capture_default_str();
  app.add_flag("--upper", parsed.upper, "upper-case instead of echoing");
  app.add_flag("--demo", parsed.demo, "serve on a free port, run the built-in client against it, then exit");
}

// The worker's half of a connection: it reads requests from one ring and writes replies to the other.
struct worker_job {
  ringpipe::reader requests;
  ringpipe::writer replies;
};

// A worker thread serves one connection at a time, blocking on the rings, until its client is done.
void serve(worker_job job, bool upper) {
  std::vector<char> buffer(64 * 1024);
  std::error_code ec;
  for (;;) {
    const std::size_t n = job.requests.read_some(asio::buffer(buffer), ec);
    if (ec) break; // eof: the client finished sending; anything else: the connection is gone
    if (upper)
      std::transform(buffer.begin(), buffer.begin() + static_cast<long>(n), buffer.begin(),
                     [](char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); });
    asio::write(job.replies, asio::buffer(buffer.data(), n), ec);
    if (ec) break; // broken_pipe: the connection went away while we were replying
  }
}

class server {
public:
  server(asio::io_context& io, const options& settings)
      : io_(io), settings_(settings),
        acceptor_(io, tcp::endpoint(asio::ip::address_v4::loopback(), settings.port)) {
    for (unsigned i = 0; i < settings.workers; ++i)
      workers_.emplace_back([this] {
        while (std::optional<worker_job> job = jobs_.pop())
          serve(std::move(*job), settings_.upper);
      });
  }

  ~server() {
    jobs_.close();
    for (std::thread& worker : workers_)
      worker.join();
  }

  unsigned short port() const { return acceptor_.local_endpoint().port(); }

  asio::awaitable<void> accept_loop() {
    for (;;) {
      std::error_code ec;
      tcp::socket socket = co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec == asio::error::operation_aborted) co_return;
      if (ec) continue; // e.g. the client reset before we accepted: only its connection is lost
      asio::co_spawn(io_, session(std::move(socket)), report_session_failure);
    }
  }

  // Stops accepting and ends every connection; the workers then finish and run() returns.
  void shut_down() {
    acceptor_.close();
    for (tcp::socket* socket : sockets_)
      socket->close();
  }

private:
  // A session's entry in the list of sockets that shut_down() closes. It leaves the list however the
  // session ends, by return or by exception, so that the list never points to a socket that is gone.
  class tracked_socket {
  public:
    tracked_socket(std::list<tcp::socket*>& sockets, tcp::socket& socket)
        : sockets_(sockets), entry_(sockets.insert(sockets.end(), &socket)) {}
    tracked_socket(const tracked_socket&) = delete;
    tracked_socket& operator=(const tracked_socket&) = delete;
    ~tracked_socket() { sockets_.erase(entry_); }

  private:
    std::list<tcp::socket*>& sockets_;
    std::list<tcp::socket*>::iterator entry_;
  };

  // A failure the session did not handle, such as the system refusing a ring's memory, ends only its
  // own connection, and is reported here (asio::detached would drop it without a word).
  static void report_session_failure(std::exception_ptr failure) {
    if (!failure) return;
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "echo_pipeline: connection dropped: %s\n", e.what());
    }
  }

  asio::awaitable<void> session(tcp::socket socket) {
    using namespace asio::experimental::awaitable_operators;
    const tracked_socket tracked(sockets_, socket);
    // Outside the try below, which is for what clients do: a ring refused is the server's failure.
    auto [requests_in, requests_out] =
        ringpipe::make_pipe(io_.get_executor(), asio::system_executor(), settings_.ring_size);
    auto [replies_in, replies_out] =
        ringpipe::make_pipe(asio::system_executor(), io_.get_executor(), settings_.ring_size);
    jobs_.push(worker_job{std::move(requests_out), std::move(replies_in)});
    try {
      // Client's end of stream closes requests_in; the worker then finishes and closes replies_in,
      // which ends the second pump. An error on either side cancels the other.
      co_await (ringpipe::async_pump(socket, requests_in, asio::use_awaitable) &&
                ringpipe::async_pump(replies_out, socket, asio::use_awaitable));
      socket.shutdown(tcp::socket::shutdown_send);
    } catch (const std::system_error&) {
      // A client that resets or vanishes costs its own connection only.
    }
  }

  asio::io_context& io_;
  options settings_;
  tcp::acceptor acceptor_;
  std::list<tcp::socket*> sockets_;
  work_queue<worker_job> jobs_;
  std::vector<std::thread> workers_;
};

} // namespace

int main(int argc, char** argv) {
  CLI::App app("A TCP echo server: socket -> ring -> worker thread -> ring -> socket", "echo_pipeline");
  options settings;
  add_options(app, settings);
  CLI11_PARSE(app, argc, argv);
  if (settings.demo) settings.port = 0;
  try {
    asio::io_context io;
    server echo(io, settings);
    asio::co_spawn(io, echo.accept_loop(), asio::detached);
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](std::error_code ec, int) {
      if (!ec) echo.shut_down();
    });
    std::printf("listening on %u (ring %zu bytes, %u workers, %s)\n", echo.port(), settings.ring_size,
                settings.workers, settings.upper ? "upper-case" : "echo");
    std::fflush(stdout);
    int status = 0;
    std::thread client;
    if (settings.demo)
      client = std::thread([&] {
        status = demo::run_client(echo.port(), settings.upper);
        asio::post(io, [&] {
          signals.cancel();
          echo.shut_down();
        });
      });
    io.run();
    if (client.joinable()) client.join();
    std::printf("shut down cleanly\n");
    return status;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "echo_pipeline: %s\n", e.what());
    return 1;
  }
}
