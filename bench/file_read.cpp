// A file read into ring memory, as the `ringpipe` command's input side reads one: read(2) straight into
// the writer's prepare() span, against asio::stream_file (io_uring) reading into the same span. Issue 13
// asks the command to read files with stream_file where that is available; this decides whether it
// should, on the page cache, where a file being piped usually is. One thread writes and drains the ring
// (the command's second thread and its output are not what is compared), for the command's default block
// of 1 MiB and two smaller ones. Every byte is checked against the file's sum.
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include <asio/io_context.hpp>
#include <asio/stream_file.hpp>
#include <asio/system_executor.hpp>
#include <fmt/core.h>

#include "ringpipe/ringpipe.hpp"

#include "bench_support.hpp"

namespace {

namespace bench = ringpipe::bench;

constexpr std::size_t ring_size = 16 << 20; // the command's default -m
constexpr std::size_t block_sizes[] = {64 << 10, 128 << 10, 1 << 20};

// A regular file of `size` bytes (a multiple of 64) of a known pattern, in the page cache, removed when
// this goes. `sum` is its sum_words.
class cached_file {
public:
  explicit cached_file(std::uint64_t size) {
    const char* directory = std::getenv("TMPDIR");
    path_ = std::string(directory != nullptr && *directory != '\0' ? directory : "/tmp") +
            "/ringpipe_file_read_XXXXXX";
    const int fd = ::mkstemp(path_.data());
    if (fd < 0) throw std::system_error(errno, std::system_category(), "creating " + path_);
    std::vector<std::uint64_t> block(1 << 17);
    for (std::uint64_t done = 0; done < size;) {
      for (std::size_t i = 0; i < block.size(); ++i)
        block[i] = (done / 8 + i) * 0x9E3779B97F4A7C15ULL;
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(block.size() * 8, size - done));
      sum += bench::sum_words(reinterpret_cast<const std::byte*>(block.data()), n);
      if (::write(fd, block.data(), n) != static_cast<ssize_t>(n)) {
        const int error = errno;
        ::close(fd);
        throw std::system_error(error, std::system_category(), "writing " + path_);
      }
      done += n;
    }
    ::close(fd);
  }
  cached_file(const cached_file&) = delete;
  cached_file& operator=(const cached_file&) = delete;
  ~cached_file() { ::unlink(path_.c_str()); }

  const std::string& path() const { return path_; }
  std::uint64_t sum = 0;

private:
  std::string path_;
};

// The ring one contender reads into, drained on the same thread in whole 64-byte words (the file's size
// is a multiple of 64, so nothing is left at the end) and summed. Its pages are touched before the clock
// starts (prefault_pages): on a virtual machine a page's first access costs microseconds.
class ring_sink {
public:
  ring_sink()
      : ring_(ringpipe::create_ring(ring_size, {.prefault_pages = true})),
        writer_(asio::system_executor(), ring_), reader_(asio::system_executor(), ring_) {}

  asio::mutable_buffer prepare(std::size_t block) { return writer_.prepare(block); }

  void commit(std::size_t n) {
    writer_.commit(n);
    total_ += n;
    const asio::const_buffer ready = reader_.data();
    const std::size_t whole = ready.size() / 64 * 64;
    sum_ += bench::sum_words(static_cast<const std::byte*>(ready.data()), whole);
    reader_.consume(whole);
  }

  // GB/s, once every byte of `file` arrived intact.
  double rate(const cached_file& file, std::uint64_t size, double seconds) const {
    if (total_ != size || sum_ != file.sum) throw std::runtime_error("the bytes read are not the file's");
    return double(size) / seconds / 1e9;
  }

private:
  ringpipe::ring ring_;
  ringpipe::writer writer_;
  ringpipe::reader reader_;
  std::uint64_t total_ = 0, sum_ = 0;
};

double seconds_since(std::chrono::steady_clock::time_point began) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
}

double with_read(const cached_file& file, std::uint64_t size, std::size_t block) {
  ring_sink sink;
  const int fd = ::open(file.path().c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::system_error(errno, std::system_category(), file.path());
  const auto began = std::chrono::steady_clock::now();
  for (;;) {
    const asio::mutable_buffer span = sink.prepare(block);
    const ssize_t n = ::read(fd, span.data(), span.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      ::close(fd);
      throw std::system_error(error, std::system_category(), "read " + file.path());
    }
    if (n == 0) break;
    sink.commit(static_cast<std::size_t>(n));
  }
  const double seconds = seconds_since(began);
  ::close(fd);
  return sink.rate(file, size, seconds);
}

// One read in flight, as the command's input side would keep: the next goes where the last one ended.
double with_stream_file(const cached_file& file, std::uint64_t size, std::size_t block) {
  ring_sink sink;
  asio::io_context io;
  asio::stream_file input(io, file.path(), asio::stream_file::read_only);
  std::error_code failure;
  std::function<void(std::error_code, std::size_t)> next = [&](std::error_code ec, std::size_t n) {
    if (n != 0) sink.commit(n);
    if (ec) {
      if (ec != asio::error::eof) failure = ec;
      return;
    }
    input.async_read_some(sink.prepare(block), next);
  };
  const auto began = std::chrono::steady_clock::now();
  input.async_read_some(sink.prepare(block), next);
  io.run();
  const double seconds = seconds_since(began);
  if (failure) throw std::system_error(failure, "stream_file " + file.path());
  return sink.rate(file, size, seconds);
}

struct contender {
  const char* name;
  const char* id;
  double (*run)(const cached_file&, std::uint64_t, std::size_t);
};
constexpr contender contenders[] = {
    {"read(2) into prepare()", "read", with_read},
    {"asio::stream_file (io_uring) into prepare()", "stream-file", with_stream_file}};

bool measure(const bench::options& opt) {
  const std::uint64_t size = opt.bytes / 64 * 64;
  const cached_file file(size);
  with_read(file, size, block_sizes[0]); // the page cache holds it now, whatever the first contender
  fmt::print("ringpipe_file_read_bench: a {} MiB file in the page cache into a {} MiB ring; {} rounds\n",
             size >> 20, ring_size >> 20, opt.rounds);
  std::vector<std::vector<bench::tally>> all(std::size(block_sizes),
                                             std::vector<bench::tally>(std::size(contenders)));
  for (int round = 1; round <= opt.rounds; ++round)
    for (std::size_t b = 0; b < std::size(block_sizes); ++b)
      for (std::size_t k = 0; k < std::size(contenders); ++k) {
        const auto [rate, cpus] = bench::with_cpu_share(
            contenders[k].name, [&] { return contenders[k].run(file, size, block_sizes[b]); });
        all[b][k].add(rate, cpus);
      }
  bench::csv_output csv(opt.csv);
  for (std::size_t b = 0; b < std::size(block_sizes); ++b) {
    fmt::print("\nblocks of {} KiB\n", block_sizes[b] >> 10);
    bench::print_tally_header("GB/s");
    for (std::size_t k = 0; k < std::size(contenders); ++k) {
      bench::print_tally(contenders[k].name, all[b][k]);
      csv.row("file-read", contenders[k].id, double(block_sizes[b]), all[b][k]);
    }
    // Not a target: what the command would gain (above 1) or lose by reading files with stream_file.
    fmt::print("  {:<62}{:>12.2f}\n", "stream_file / read(2)",
               all[b][1].median_value() / all[b][0].median_value());
  }
  return true;
}

} // namespace

int main(int argc, char** argv) {
  const bench::command_line line{
      .program = "ringpipe_file_read_bench",
      .description = "A cached file read into ring memory: read(2) against asio::stream_file (io_uring)",
      .bytes_are = "bytes in the file read by each contender, block size and round",
      .defaults = {.bytes = std::uint64_t{1} << 30, .rounds = 5},
      .quick = {.bytes = std::uint64_t{16} << 20, .rounds = 1}};
  return bench::run_main(argc, argv, line, measure);
}
