// --rate-limit: holds one side of the transfer to a number of bytes per second.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <thread>

namespace ringpipe_cmd {

class pacer {
public:
  // 0 bytes per second: no limit.
  explicit pacer(std::uint64_t bytes_per_second) : rate_(bytes_per_second) {}

  // The most bytes the next read or write may move: a 20th of a second's worth, so the rate is smooth.
  std::size_t limit(std::size_t wanted) const {
    return rate_ == 0 ? wanted : std::min<std::size_t>(wanted, std::max<std::uint64_t>(rate_ / 20, 1));
  }

  // Sleeps until `bytes` more are within the rate since the first call.
  void pace(std::size_t bytes) {
    if (rate_ == 0) return;
    const auto now = std::chrono::steady_clock::now();
    if (moved_ == 0) start_ = now;
    moved_ += bytes;
    const auto due = start_ + std::chrono::nanoseconds(static_cast<std::int64_t>(moved_ * 1e9 / rate_));
    if (due > now) std::this_thread::sleep_until(due);
  }

private:
  std::uint64_t rate_;
  std::uint64_t moved_ = 0;
  std::chrono::steady_clock::time_point start_;
};

} // namespace ringpipe_cmd
