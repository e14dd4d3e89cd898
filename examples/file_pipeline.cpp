// file -> worker -> worker -> socket, each hop a ring.
//
//   file_pipeline FILE --to PORT [--ring BYTES] [--upper]
//
// Streams FILE to 127.0.0.1:PORT through two worker threads: the first counts lines and passes the
// bytes on untouched (zero-copy: it reads its input ring in place), the second upper-cases them when
// asked (or passes them on). The file is read with asio::stream_file (io_uring) straight into the
// first ring's memory where Asio and the kernel support it, else by a thread with read(2) into the
// same memory. The last ring is pumped into the socket out of ring memory.
//
// --help lists the options and their limits; a command line outside them is refused with CLI11's
// message and exit status. A file that cannot be read is reported with the system's reason (exit 1).
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <system_error>
#include <thread>

#include <fcntl.h>
#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/system_executor.hpp>
#include <asio/use_awaitable.hpp>
#if defined(ASIO_HAS_IO_URING)
#include <asio/stream_file.hpp>
#endif

#include <CLI/CLI.hpp>

#include "ringpipe/ringpipe.hpp"

namespace {

struct options {
  std::string file;
  unsigned short port = 0;
  std::size_t ring_size = 1 << 20;
  bool upper = false;
};

// The command line, described to `app`, which writes what it parses into `parsed`.
void add_options(CLI::App& app, options& parsed) {
  app.add_option("FILE", parsed.file, "the file to stream")->required()->check(CLI::ExistingFile);
  app.add_option("--to", parsed.port, "TCP port on 127.0.0.1 to stream the file to")
      ->required()
      ->check(CLI::Range(1, 65535));
  app.add_option("--ring", parsed.ring_size, "bytes in each of the three rings")
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::Range(std::uint64_t{1}, ringpipe::core::max_capacity))
      ->capture_default_str();
  app.add_flag("--upper", parsed.upper, "upper-case the bytes on the way");
}

// Opens the file before anything starts, so that one we cannot read is reported with the system's
// reason, rather than failing later on whichever thread first touches it.
int open_input(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::system_error(errno, std::system_category(), path);
  return fd;
}

// Worker 1: counts lines, reading the ring in place and copying once, into the next ring.
std::uint64_t count_lines(ringpipe::reader in, ringpipe::writer out) {
  std::uint64_t lines = 0;
  std::error_code ec;
  while (in.wait(ec), !ec) {
    const asio::const_buffer bytes = in.data();
    const char* begin = static_cast<const char*>(bytes.data());
    lines += static_cast<std::uint64_t>(std::count(begin, begin + bytes.size(), '\n'));
    asio::write(out, bytes, ec);
    if (ec) break;
    in.consume(bytes.size());
  }
  return lines;
}

// Worker 2: transforms in place in the next ring's memory (prepare/commit), so it copies once too.
void transform(ringpipe::reader in, ringpipe::writer out, bool upper) {
  std::error_code ec;
  while (out.wait(ec), !ec) {
    const asio::mutable_buffer space = out.prepare();
    const std::size_t n = in.read_some(space, ec);
    if (ec) break;
    if (upper) {
      char* bytes = static_cast<char*>(space.data());
      std::transform(bytes, bytes + n, bytes,
                     [](char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); });
    }
    out.commit(n);
  }
}

// The fallback file reader: a thread reading with read(2) straight into ring memory. It owns `fd`.
void read_file_blocking(int fd, ringpipe::writer out) {
  std::error_code ec;
  while (out.wait(ec), !ec) {
    const asio::mutable_buffer space = out.prepare();
    const ssize_t n = ::read(fd, space.data(), space.size());
    if (n <= 0) break;
    out.commit(static_cast<std::size_t>(n));
  }
  ::close(fd);
}

// Starts reading the open file `fd` (named `path`) into `out`, and takes `fd` over: with io_uring on
// `io` when available, else on a thread.
std::thread start_file_reader(asio::io_context& io, const std::string& path, int fd, ringpipe::writer& out) {
#if defined(ASIO_HAS_IO_URING)
  try {
    // Without io_uring this throws as the file's service starts, before the file takes `fd` over.
    auto file = std::make_shared<asio::stream_file>(io, fd);
    ringpipe::async_pump(*file, out, [file](std::error_code ec, std::uint64_t) {
      if (ec) std::fprintf(stderr, "file_pipeline: reading: %s\n", ec.message().c_str());
    });
    std::printf("reading %s with io_uring\n", path.c_str());
    return {};
  } catch (const std::system_error& e) {
    std::printf("io_uring unavailable (%s): reading with a thread\n", e.what());
  }
#else
  (void)io;
  std::printf("reading %s with a thread (built without io_uring)\n", path.c_str());
#endif
  return std::thread(read_file_blocking, fd, std::move(out));
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app("Streams a file to a TCP port through two worker threads, each hop a ring", "file_pipeline");
  options settings;
  add_options(app, settings);
  CLI11_PARSE(app, argc, argv);
  try {
    const int input = open_input(settings.file);
    asio::io_context io;
    asio::ip::tcp::socket socket(io);
    socket.connect({asio::ip::address_v4::loopback(), settings.port});
    const auto worker = asio::system_executor();
    auto [file_out, stage1_in] = ringpipe::make_pipe(io.get_executor(), worker, settings.ring_size);
    auto [stage1_out, stage2_in] = ringpipe::make_pipe(worker, worker, settings.ring_size);
    auto [stage2_out, socket_in] = ringpipe::make_pipe(worker, io.get_executor(), settings.ring_size);

    std::uint64_t lines = 0;
    std::thread first([&, in = std::move(stage1_in), out = std::move(stage1_out)]() mutable {
      lines = count_lines(std::move(in), std::move(out));
    });
    std::thread second(transform, std::move(stage2_in), std::move(stage2_out), settings.upper);
    std::thread file_reader = start_file_reader(io, settings.file, input, file_out);

    std::uint64_t sent = 0;
    std::error_code result;
    ringpipe::async_pump(socket_in, socket, [&](std::error_code ec, std::uint64_t total) {
      result = ec;
      sent = total;
      socket.shutdown(asio::ip::tcp::socket::shutdown_send);
    });
    io.run();
    for (std::thread* t : {&file_reader, &first, &second})
      if (t->joinable()) t->join();
    if (result) throw std::system_error(result, "sending");
    std::printf("sent %llu bytes (%llu lines) to port %u\n", static_cast<unsigned long long>(sent),
                static_cast<unsigned long long>(lines), settings.port);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "file_pipeline: %s\n", e.what());
    return 1;
  }
}
