// A program started by a test: its standard output (and standard error, if asked) readable, its memory
// observable, signals deliverable, its exit awaited with a bound.
#pragma once

#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace ringpipe::test {

class child_process {
public:
  // What the test reads: the program's standard output alone (its standard error goes to the test's),
  // or both, interleaved as written.
  enum class capture { standard_output, both_outputs };

  explicit child_process(std::vector<std::string> arguments, capture what = capture::standard_output) {
    int out[2];
    if (::pipe(out) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    if (what == capture::both_outputs) posix_spawn_file_actions_adddup2(&actions, out[1], STDERR_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    std::vector<char*> argv;
    for (std::string& argument : arguments)
      argv.push_back(argument.data());
    argv.push_back(nullptr);
    const int failed = ::posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    if (failed != 0) throw std::runtime_error("cannot start " + arguments[0]);
    output_ = ::fdopen(out[0], "r");
  }

  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  ~child_process() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (output_) std::fclose(output_);
  }

  pid_t pid() const noexcept { return pid_; }

  // The next line of the program's standard output, without its newline; empty at end of output.
  std::string read_line() {
    std::string line;
    for (int c; (c = std::fgetc(output_)) != EOF && c != '\n';)
      line.push_back(static_cast<char>(c));
    return line;
  }

  // Whatever the program wrote that was not read yet, without waiting for more: for after its exit,
  // when a process it started may still hold the output open and an end of output may never come.
  std::string read_written() {
    ::fcntl(::fileno(output_), F_SETFL, O_NONBLOCK);
    std::string text;
    for (int c; (c = std::fgetc(output_)) != EOF;)
      text.push_back(static_cast<char>(c));
    std::clearerr(output_);
    return text;
  }

  // Resident memory in KiB (VmRSS).
  long resident_kib() const {
    std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
    for (std::string line; std::getline(status, line);)
      if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return -1;
  }

  void signal(int number) const { ::kill(pid_, number); }

  // The exit status, or nullopt if the program is still running after `timeout` (or died by a signal).
  std::optional<int> wait_for_exit(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        if (WIFEXITED(status)) return WEXITSTATUS(status);
        return std::nullopt;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return std::nullopt;
  }

private:
  pid_t pid_ = -1;
  std::FILE* output_ = nullptr;
};

// How a program that was run to its end ended, and what it wrote on both outputs.
struct finished_run {
  std::optional<int> status; // nullopt: killed by a signal, or still running after the bound
  std::string output;
};

// Runs a program and waits up to 10 s for it to exit: for command lines it must refuse or answer at once.
inline finished_run run_to_exit(std::vector<std::string> arguments) {
  child_process program(std::move(arguments), child_process::capture::both_outputs);
  finished_run run{program.wait_for_exit(std::chrono::seconds(10)), {}};
  run.output = program.read_written();
  return run;
}

} // namespace ringpipe::test
