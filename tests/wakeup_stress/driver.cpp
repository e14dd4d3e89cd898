#include "driver.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ping_pong.hpp"

extern char** environ;

namespace ringpipe::stress {
namespace {

enum class outcome { passed, hung, failed, late };

struct tally {
  unsigned passed = 0, hung = 0, failed = 0, late = 0;
  double slowest_seconds = 0;
};

std::vector<shape> every_shape() {
  std::vector<shape> shapes;
  for (bool across : {false, true})
    for (bool thread_first : {true, false})
      for (side_kind main_side : {side_kind::blocking, side_kind::async})
        for (side_kind echo_side : {side_kind::blocking, side_kind::async})
          shapes.push_back({main_side, echo_side, across, thread_first});
  return shapes;
}

// One run in its own process group, so that a hung run is killed together with its echo process.
std::vector<std::string> run_arguments(const std::string& self, const shape& s, std::uint64_t round_trips) {
  std::vector<std::string> arguments{self,
                                     "run",
                                     "--main",
                                     std::string(kind_name(s.main_side)),
                                     "--echo",
                                     std::string(kind_name(s.echo_side)),
                                     "--round-trips",
                                     std::to_string(round_trips),
                                     "--think-us",
                                     std::to_string(s.think_us)};
  if (s.across_processes) arguments.push_back("--across-processes");
  if (s.thread_first) arguments.push_back("--thread-first");
  return arguments;
}

class run_process {
public:
  explicit run_process(std::vector<std::string> arguments) {
    const std::string self = arguments.front();
    std::vector<char*> argv;
    for (std::string& argument : arguments)
      argv.push_back(argument.data());
    argv.push_back(nullptr);
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) throw std::system_error(errno, std::system_category(), "pipe");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attributes, 0);
    const int failed = ::posix_spawn(&pid_, self.c_str(), &actions, &attributes, argv.data(), environ);
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    output_ = out[0];
    if (failed != 0) throw std::system_error(failed, std::system_category(), "starting a run");
  }
  run_process(const run_process&) = delete;
  run_process& operator=(const run_process&) = delete;
  ~run_process() {
    if (output_ >= 0) ::close(output_);
  }

  // Reads the run's output until it ends, or until stall_ms pass without a byte: then kills the run
  // and everything it started. The last 4 KiB of the output are kept in `tail`.
  outcome watch(unsigned stall_ms, std::string& tail) {
    for (;;) {
      pollfd ready{output_, POLLIN, 0};
      const int polled = ::poll(&ready, 1, static_cast<int>(stall_ms));
      if (polled < 0 && errno == EINTR) continue;
      if (polled == 0) {
        kill_all();
        return outcome::hung;
      }
      char buffer[256];
      const ssize_t n = ::read(output_, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      tail.append(buffer, static_cast<std::size_t>(n));
      if (tail.size() > 4096) tail.erase(0, tail.size() - 4096);
    }
    int status = 0;
    ::waitpid(pid_, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return outcome::failed;
    return outcome::passed;
  }

private:
  void kill_all() {
    ::kill(-pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    // The named queues of a run across processes are named after it (ping_pong.cpp).
    const std::string base = "/dev/shm/ringpipe-wakeup-" + std::to_string(pid_);
    ::unlink((base + "-requests").c_str());
    ::unlink((base + "-replies").c_str());
  }

  pid_t pid_ = -1;
  int output_ = -1;
};

// The number after `key` in `text`, or nullopt.
std::optional<unsigned long long> value_after(const std::string& text, const std::string& key) {
  const std::size_t at = text.rfind(key + " ");
  if (at == std::string::npos) return std::nullopt;
  return std::stoull(text.substr(at + key.size() + 1));
}

// The fence-reach check (fence_reach.hpp) in fresh processes, with and without a thread first.
bool check_fence_reach(const driver_options& options, const std::string& self) {
  bool all_passed = true;
  for (bool thread_first : {true, false}) {
    const char* name = thread_first ? "fence reach, thread first" : "fence reach";
    unsigned passed = 0, skipped = 0;
    double lowest = 1;
    for (unsigned run = 0; run < options.fence_runs; ++run) {
      std::vector<std::string> arguments{self, "fence-reach"};
      if (thread_first) arguments.push_back("--thread-first");
      run_process process(std::move(arguments));
      std::string output;
      const outcome result = process.watch(options.stall_ms, output);
      const auto barriers = value_after(output, "barriers"), interrupts = value_after(output, "interrupts");
      if (result == outcome::passed && output.find("skipped:") != std::string::npos) {
        ++skipped;
        if (run == 0) std::printf("%s: %s", name, output.c_str());
        continue;
      }
      if (result != outcome::passed || !barriers || !interrupts || *barriers == 0) {
        std::printf("FAILED: %s (run %u): %s\n", name, run + 1, output.c_str());
        continue;
      }
      const double share = double(*interrupts) / double(*barriers);
      lowest = std::min(lowest, share);
      // A barrier may find the busy thread preempted, and then rightly skip its CPU: on a quiet machine
      // 70-100% of them arrive, with builds running on both CPUs as little as 4%. One that skips a
      // running thread every time is what lost wake-ups (docs/design.md): version 2 delivered none of
      // 2000. So the line is drawn near none, not near quiet.
      if (share >= 0.01)
        ++passed;
      else
        std::printf("MISSED: %s (run %u): %llu of %llu barriers reached the CPU running our thread\n", name,
                    run + 1, *interrupts, *barriers);
    }
    std::printf("%-44s %u runs: %u passed, %u skipped; lowest share of barriers that arrived %.0f%%\n", name,
                options.fence_runs, passed, skipped, 100 * lowest);
    std::fflush(stdout);
    all_passed = all_passed && passed + skipped == options.fence_runs;
  }
  return all_passed;
}

} // namespace

int drive_all_shapes(const driver_options& options, const std::string& self) {
  bool all_passed = options.only.empty() ? check_fence_reach(options, self) : true;
  unsigned shapes_run = 0;
  for (shape s : every_shape()) {
    s.think_us = options.think_us;
    const std::string name = describe(s);
    if (name.find(options.only) == std::string::npos) continue;
    ++shapes_run;
    tally counts;
    for (unsigned run = 0; run < options.runs; ++run) {
      const auto start = std::chrono::steady_clock::now();
      run_process process(run_arguments(self, s, options.round_trips));
      std::string output;
      outcome result = process.watch(options.stall_ms, output);
      if (result == outcome::passed) {
        const auto late = value_after(output, "late-wakeups");
        if (!late)
          result = outcome::failed;
        else if (*late != 0)
          result = outcome::late;
      }
      const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
      if (took.count() > counts.slowest_seconds) counts.slowest_seconds = took.count();
      switch (result) {
      case outcome::passed: ++counts.passed; break;
      case outcome::hung:
        ++counts.hung;
        std::printf("HUNG: %s (run %u: no progress for %u ms)\n", name.c_str(), run + 1, options.stall_ms);
        break;
      case outcome::failed:
        ++counts.failed;
        std::printf("FAILED: %s (run %u)\n", name.c_str(), run + 1);
        break;
      case outcome::late:
        ++counts.late;
        std::printf("LATE WAKE-UP: %s (run %u)\n", name.c_str(), run + 1);
        break;
      }
      std::fflush(stdout);
    }
    std::printf("%-44s %u runs: %u passed, %u hung, %u failed, %u late; slowest %.2f s\n", name.c_str(),
                options.runs, counts.passed, counts.hung, counts.failed, counts.late, counts.slowest_seconds);
    std::fflush(stdout);
    all_passed = all_passed && counts.passed == options.runs;
  }
  if (shapes_run == 0) {
    std::printf("no shape matches '%s'\n", options.only.c_str());
    return 1;
  }
  return all_passed ? 0 : 1;
}

} // namespace ringpipe::stress
