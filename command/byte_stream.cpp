#include "byte_stream.hpp"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ringpipe_cmd {
namespace {

class fd_source final : public byte_source {
public:
  explicit fd_source(int fd) : fd_(fd) {}
  fd_source(const fd_source&) = delete;
  fd_source& operator=(const fd_source&) = delete;
  ~fd_source() override {
    if (fd_ > STDERR_FILENO) ::close(fd_);
  }

  std::size_t read_some(asio::mutable_buffer into, std::error_code& ec) override {
    const ssize_t n = ::read(fd_, into.data(), into.size());
    if (n > 0) return static_cast<std::size_t>(n);
    ec = n == 0 ? std::error_code(asio::error::eof) : std::error_code(errno, std::system_category());
    return 0;
  }

  int descriptor() const noexcept override { return fd_; }

private:
  int fd_;
};

class fd_sink final : public byte_sink {
public:
  explicit fd_sink(int fd) : fd_(fd) {}
  fd_sink(const fd_sink&) = delete;
  fd_sink& operator=(const fd_sink&) = delete;
  ~fd_sink() override {
    if (fd_ > STDERR_FILENO) ::close(fd_);
  }

  std::size_t write_some(asio::const_buffer from, std::error_code& ec) override {
    for (;;) {
      const ssize_t n = ::write(fd_, from.data(), from.size());
      if (n >= 0) return static_cast<std::size_t>(n);
      // The output side is never told to stop: it drains, so an interrupted write is retried.
      if (errno == EINTR) continue;
      ec = std::error_code(errno, std::system_category());
      return 0;
    }
  }

  void finish(std::error_code& ec) override {
    // A socket's peer sees the end of the stream now, even if another process shares the socket.
    ::shutdown(fd_, SHUT_WR);
    if (fd_ > STDERR_FILENO && ::close(fd_) != 0) ec = std::error_code(errno, std::system_category());
    fd_ = -1;
  }

  int descriptor() const noexcept override { return fd_; }

private:
  int fd_;
};

class ring_sink final : public byte_sink {
public:
  explicit ring_sink(ringpipe::writer writer) : writer_(std::move(writer)) {}

  std::size_t write_some(asio::const_buffer from, std::error_code& ec) override {
    for (;;) {
      const asio::mutable_buffer space = writer_.prepare(from.size(), ec);
      if (ec) return 0;
      if (space.size() != 0) {
        std::memcpy(space.data(), from.data(), space.size());
        writer_.commit(space.size(), ec);
        return ec ? 0 : space.size();
      }
      // No stop check: the output side drains; the reader closing or dying ends the wait.
      writer_.wait(ec);
      if (ec) return 0;
    }
  }

  void finish(std::error_code& ec) override { writer_.close(ec); }

private:
  ringpipe::writer writer_;
};

// A pipe holds 64 KiB by default, so each read or write of one moves at most that and costs a wake-up
// of the process at its other end. Grown to the block size (within the system's pipe-max-size, which
// an unprivileged process cannot pass), each system call moves up to a block. Best effort: a pipe
// that stays small still works.
void grow_pipe(int fd, std::size_t block_size) noexcept {
  struct stat status {};
  if (::fstat(fd, &status) != 0 || !S_ISFIFO(status.st_mode)) return;
  for (std::size_t size = block_size; size >= (std::size_t{64} << 10); size /= 2)
    if (::fcntl(fd, F_SETPIPE_SZ, static_cast<int>(size)) >= 0) return;
}

} // namespace

std::unique_ptr<byte_source> make_fd_source(int fd, std::size_t block_size) {
  grow_pipe(fd, block_size);
  return std::make_unique<fd_source>(fd);
}

std::unique_ptr<byte_sink> make_fd_sink(int fd, std::size_t block_size) {
  grow_pipe(fd, block_size);
  return std::make_unique<fd_sink>(fd);
}
std::unique_ptr<byte_sink> make_ring_sink(ringpipe::writer writer) {
  return std::make_unique<ring_sink>(std::move(writer));
}

} // namespace ringpipe_cmd
