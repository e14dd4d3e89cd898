// A benchmark never waits forever. Each contender's run is watched: one still running after the
// limit ends the process with exit status 2 and a line naming the contender, instead of leaving the
// benchmark asleep for good (as a lost wake-up once did: issue 9).
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

namespace ringpipe::bench {

// Far above any contender's run at the default sizes (a few seconds), far below "forever".
inline constexpr std::chrono::seconds contender_limit{120};

class watchdog {
public:
  // Watches one contender's run until destroyed.
  class watch {
  public:
    watch(watchdog& dog, std::string_view contender, std::chrono::seconds limit) : dog_(dog) {
      dog_.arm(contender, limit);
    }
    watch(const watch&) = delete;
    watch& operator=(const watch&) = delete;
    ~watch() { dog_.disarm(); }

  private:
    watchdog& dog_;
  };

  // The process's watchdog; its thread starts with the first watch and lives as long as the process.
  static watchdog& instance() {
    static watchdog* const dog = new watchdog; // never destroyed: its thread never ends
    return *dog;
  }

private:
  void arm(std::string_view contender, std::chrono::seconds limit) {
    const std::lock_guard lock(mutex_);
    contender_ = contender;
    limit_ = limit;
    deadline_ = std::chrono::steady_clock::now() + limit;
    if (!started_) {
      std::thread([this] { run(); }).detach();
      started_ = true;
    }
  }

  void disarm() {
    const std::lock_guard lock(mutex_);
    deadline_.reset();
  }

  void run() {
    for (;;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      const std::lock_guard lock(mutex_);
      if (!deadline_ || std::chrono::steady_clock::now() < *deadline_) continue;
      std::fprintf(stderr, "\nbenchmark hung: %s did not finish within %lld s\n", contender_.c_str(),
                   static_cast<long long>(limit_.count()));
      std::fflush(stdout);
      std::_Exit(2);
    }
  }

  std::mutex mutex_;
  std::string contender_;
  std::chrono::seconds limit_{};
  std::optional<std::chrono::steady_clock::time_point> deadline_;
  bool started_ = false;
};

// Runs run() under the watchdog, as `contender`.
template <class Run>
auto watched(std::string_view contender, Run&& run, std::chrono::seconds limit = contender_limit) {
  const watchdog::watch watch(watchdog::instance(), contender, limit);
  return std::forward<Run>(run)();
}

} // namespace ringpipe::bench
