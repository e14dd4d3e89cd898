// A producer process and a consumer process streaming a file through a named ring: the producer
// blocks (it reads the file straight into ring memory), the consumer is a coroutine that suspends
// while the ring is empty. Both print the byte count and a checksum of what they moved.
//
//   cross_process FILE [--ring BYTES]     (--help lists them)
//
// The parent creates the ring and is the producer; the child finds the ring by name and consumes.
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/redirect_error.hpp>
#include <asio/system_executor.hpp>
#include <asio/use_awaitable.hpp>

#include <CLI/CLI.hpp>

#include "ringpipe/ringpipe.hpp"

namespace {

struct tally {
  std::uint64_t bytes = 0;
  std::uint64_t checksum = 0xcbf29ce484222325ull; // FNV-1a

  void add(const void* data, std::size_t size) {
    for (std::size_t i = 0; i < size; ++i)
      checksum = (checksum ^ static_cast<const unsigned char*>(data)[i]) * 0x100000001b3ull;
    bytes += size;
  }
};

// The producer: read(2) from the open file `fd`, which it closes, straight into the ring's writable
// span, then commit.
tally produce(int fd, ringpipe::writer& w) {
  tally sent;
  for (;;) {
    w.wait();
    const asio::mutable_buffer space = w.prepare();
    const ssize_t n = ::read(fd, space.data(), space.size());
    if (n <= 0) break;
    sent.add(space.data(), static_cast<std::size_t>(n));
    w.commit(static_cast<std::size_t>(n));
  }
  ::close(fd);
  w.close();
  return sent;
}

// The consumer: a coroutine reading until end of stream.
asio::awaitable<void> consume(ringpipe::reader& r, tally& received, std::error_code& result) {
  std::vector<char> chunk(64 * 1024);
  for (;;) {
    const std::size_t n =
        co_await r.async_read_some(asio::buffer(chunk), asio::redirect_error(asio::use_awaitable, result));
    if (result) break;
    received.add(chunk.data(), n);
  }
  if (result == asio::error::eof) result.clear();
}

int run_consumer(const std::string& name) {
  asio::io_context io;
  ringpipe::reader r(io, ringpipe::open_shared_ring(name));
  tally received;
  std::error_code result;
  asio::co_spawn(io, consume(r, received, result), asio::detached);
  io.run();
  std::printf("consumer (coroutine): %llu bytes, checksum %016llx%s\n",
              static_cast<unsigned long long>(received.bytes),
              static_cast<unsigned long long>(received.checksum),
              result ? (" error: " + result.message()).c_str() : "");
  std::fflush(stdout);
  return result ? 1 : 0;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app("Streams a file from a blocking producer process to a coroutine consumer process",
               "cross_process");
  std::string path;
  std::size_t ring_size = 1 << 20;
  app.add_option("FILE", path, "the file to stream")->required()->check(CLI::ExistingFile);
  app.add_option("--ring", ring_size, "bytes in the named ring")
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::Range(std::uint64_t{1}, ringpipe::core::max_capacity))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    // Before the consumer exists: a file we cannot read ends the program here, with the system's reason.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::system_error(errno, std::system_category(), path);
    const std::string name = "ringpipe-cross-process-" + std::to_string(::getpid());
    const ringpipe::ring memory = ringpipe::create_shared_ring(name, ring_size);
    std::fflush(stdout);
    const pid_t child = ::fork();
    if (child == 0) std::_Exit(run_consumer(name));
    ringpipe::writer w(asio::system_executor(), memory);
    const tally sent = produce(fd, w);
    int status = 0;
    ::waitpid(child, &status, 0);
    ringpipe::remove_shared_ring(name);
    std::printf("producer (blocking): %llu bytes, checksum %016llx\n",
                static_cast<unsigned long long>(sent.bytes), static_cast<unsigned long long>(sent.checksum));
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cross_process: %s\n", e.what());
    return 1;
  }
}
