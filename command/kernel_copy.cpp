#include "kernel_copy.hpp"

#include <cerrno>

#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ringpipe_cmd {
namespace {

// The kind of file behind a descriptor (S_IFMT bits), 0 when fstat fails.
mode_t kind(int fd) {
  struct stat status {};
  return ::fstat(fd, &status) == 0 ? (status.st_mode & S_IFMT) : 0;
}

} // namespace

kernel_copy::kernel_copy(int input_fd, int output_fd) : input_fd_(input_fd), output_fd_(output_fd) {
  const mode_t in = kind(input_fd), out = kind(output_fd);
  if (in == S_IFREG && out == S_IFREG)
    method_ = method::copy_file_range; // may share the blocks outright (reflinks, server-side copies)
  else if (in == S_IFREG)
    method_ = method::sendfile;
  else if ((in == S_IFIFO) != (out == S_IFIFO))
    method_ = method::splice;
  // Not from a pipe to a pipe: there splice(2) only hands the writer's pages on to the reader, which frees
  // them on another CPU, and measured slower than the two copies of read(2) and write(2) (bench/README.md,
  // section 7).
}

ssize_t kernel_copy::move(std::size_t most) const {
  switch (method_) {
  case method::splice:
    // SPLICE_F_NONBLOCK: the pipe's side must not block either, whatever its own flags.
    return ::splice(input_fd_, nullptr, output_fd_, nullptr, most, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
  case method::copy_file_range: return ::copy_file_range(input_fd_, nullptr, output_fd_, nullptr, most, 0);
  case method::sendfile: return ::sendfile(output_fd_, input_fd_, nullptr, most);
  case method::none: break;
  }
  errno = EINVAL;
  return -1;
}

} // namespace ringpipe_cmd
