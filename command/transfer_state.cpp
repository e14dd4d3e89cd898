#include "transfer_state.hpp"

#include <cstdio>

#include <unistd.h>

namespace ringpipe_cmd {

void transfer_state::fail(int status, const std::string& side, const std::string& spec,
                          const std::string& reason) {
  std::lock_guard lock(mutex_);
  if (status_ == exit_success) status_ = status;
  // \r\033[K: erase a --progress line that may be on the terminal.
  const char* erase = ::isatty(STDERR_FILENO) ? "\r\033[K" : "";
  std::fprintf(stderr, "%sringpipe: %s %s: %s\n", erase, side.c_str(), spec.c_str(), reason.c_str());
}

int transfer_state::exit_status() const {
  std::lock_guard lock(mutex_);
  if (status_ != exit_success) return status_;
  return interrupted_.load(std::memory_order_relaxed) ? exit_interrupted : exit_success;
}

} // namespace ringpipe_cmd
