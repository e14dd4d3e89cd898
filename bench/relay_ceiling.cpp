// The ceiling of the ringpipe command on a pipeline of pipes (command_bench.sh): the least a buffer
// between two descriptors can do with read(2) and write(2) on one thread. Standard input to standard
// output through a 64 MiB buffer in 128 KiB blocks (the command's -m and -s in that benchmark), with
// poll(2) deciding which side goes next; no ring, no second thread, no signals, no statistics. It shows
// what the command's two threads and ring cost on top of the copies, and how far a one-thread relay
// could take it. Not an example of good practice: it stops at the first error, with exit status 1.
//
//   ringpipe_relay_ceiling < in > out
#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

namespace {

constexpr std::size_t buffer_size = std::size_t{64} << 20, block_size = std::size_t{128} << 10;

int failed(const char* call) {
  std::fprintf(stderr, "ringpipe_relay_ceiling: %s: %s\n", call, std::strerror(errno));
  return 1;
}

} // namespace

int main() {
  std::vector<char> buffer(buffer_size);
  // As the command does: a pipe holding a block moves a block per system call (best effort).
  ::fcntl(STDIN_FILENO, F_SETPIPE_SZ, int{block_size});
  ::fcntl(STDOUT_FILENO, F_SETPIPE_SZ, int{block_size});
  std::size_t read_total = 0, written_total = 0; // stream positions; the buffer holds the difference
  bool input_open = true;
  for (;;) {
    const std::size_t held = read_total - written_total;
    if (!input_open && held == 0) return 0;
    pollfd sides[2] = {{STDIN_FILENO, static_cast<short>(input_open && held < buffer_size ? POLLIN : 0), 0},
                       {STDOUT_FILENO, static_cast<short>(held != 0 ? POLLOUT : 0), 0}};
    if (::poll(sides, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return failed("poll");
    }
    if (sides[1].revents != 0) {
      const std::size_t at = written_total % buffer_size;
      const ssize_t n =
          ::write(STDOUT_FILENO, buffer.data() + at, std::min({held, block_size, buffer_size - at}));
      if (n < 0) return failed("write");
      written_total += static_cast<std::size_t>(n);
    }
    if (sides[0].revents != 0) {
      const std::size_t at = read_total % buffer_size;
      const std::size_t room = buffer_size - (read_total - written_total);
      const ssize_t n =
          ::read(STDIN_FILENO, buffer.data() + at, std::min({room, block_size, buffer_size - at}));
      if (n < 0) return failed("read");
      input_open = n != 0;
      read_total += static_cast<std::size_t>(n);
    }
  }
}
