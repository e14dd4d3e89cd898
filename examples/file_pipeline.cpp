// file -> worker -> worker -> socket, each hop a ring.
//
//   file_pipeline FILE --to PORT [--ring BYTES] [--upper]
//
// Streams FILE to 127.0.0.1:PORT through two worker threads: the first counts lines and passes the
// bytes on untouched (zero-copy: it reads its input ring in place), the second upper-cases them when
// asked (or passes them on). The file is read with asio::stream_file (io_uring) straight into the
// first ring's memory where Asio and the kernel support it, else by a thread with read(2) into the
// same memory. The last ring is pumped into the socket out of ring memory.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
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

#include "ringpipe/ringpipe.hpp"

namespace {

struct options {
  std::string file;
  unsigned short port = 0;
  std::size_t ring_size = 1 << 20;
  bool upper = false;
};

options parse_options(int argc, char** argv) {
  options parsed;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--to" && i + 1 < argc)
      parsed.port = static_cast<unsigned short>(std::strtoul(argv[++i], nullptr, 10));
    else if (flag == "--ring" && i + 1 < argc)
      parsed.ring_size = std::strtoull(argv[++i], nullptr, 0);
    else if (flag == "--upper")
      parsed.upper = true;
    else if (parsed.file.empty() && flag.rfind("--", 0) != 0)
      parsed.file = flag;
    else
      throw std::invalid_argument("usage: file_pipeline FILE --to PORT [--ring BYTES] [--upper]");
  }
  if (parsed.file.empty() || parsed.port == 0)
    throw std::invalid_argument("usage: file_pipeline FILE --to PORT [--ring BYTES] [--upper]");
  return parsed;
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

// The fallback file reader: a thread reading with read(2) straight into ring memory.
void read_file_blocking(const std::string& path, ringpipe::writer out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::system_error(errno, std::system_category(), path);
  std::error_code ec;
  while (out.wait(ec), !ec) {
    const asio::mutable_buffer space = out.prepare();
    const ssize_t n = ::read(fd, space.data(), space.size());
    if (n <= 0) break;
    out.commit(static_cast<std::size_t>(n));
  }
  ::close(fd);
}

// Starts reading the file into `out`: with io_uring on `io` when available, else on a thread.
std::thread start_file_reader(asio::io_context& io, const std::string& path, ringpipe::writer& out) {
#if defined(ASIO_HAS_IO_URING)
  try {
    auto file = std::make_shared<asio::stream_file>(io, path, asio::stream_file::read_only);
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
  return std::thread(read_file_blocking, path, std::move(out));
}

} // namespace

int main(int argc, char** argv) {
  try {
    const options settings = parse_options(argc, argv);
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
    std::thread file_reader = start_file_reader(io, settings.file, file_out);

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
