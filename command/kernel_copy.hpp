// Moving bytes from one descriptor to another inside the kernel, without copying them into this process
// and out again: copy_file_range(2) between two regular files, sendfile(2) from a regular file to
// anything else, splice(2) between a pipe and anything but a pipe. The relay (relay.cpp) uses it only while
// its ring is empty, so the stream keeps its order: what the ring holds goes out first, the kernel moves only
// what comes after, and when the output cannot take more the input goes into the ring as before.
#pragma once

#include <cstddef>

#include <sys/types.h>

namespace ringpipe_cmd {

class kernel_copy {
public:
  // Chooses the system call for this pair of descriptors; usable() is false when none applies.
  kernel_copy(int input_fd, int output_fd);

  bool usable() const { return method_ != method::none; }

  // Moves up to `most` bytes: the system call's result, -1 with errno on failure. Non-blocking on
  // pipes and sockets that are (EAGAIN when the input is empty or the output full).
  ssize_t move(std::size_t most) const;

  // After a failure, or a 0 whose meaning read(2) must decide (the end of the input, or a procfs file
  // that copy_file_range(2) calls empty, as kernels 5.3 to 5.18 do): the rest goes through the ring.
  void give_up() { method_ = method::none; }

private:
  enum class method { none, splice, copy_file_range, sendfile };

  int input_fd_;
  int output_fd_;
  method method_ = method::none;
};

} // namespace ringpipe_cmd
