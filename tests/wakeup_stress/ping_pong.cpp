#include "ping_pong.hpp"

#include <chrono>
#include <exception>
#include <random>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <pthread.h>
#include <sched.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/redirect_error.hpp>
#include <asio/system_executor.hpp>
#include <asio/use_awaitable.hpp>

#include "ringpipe/ringpipe.hpp"

extern char** environ;

namespace ringpipe::stress {
namespace {

using sender = queue_sender<long>;
using receiver = queue_receiver<long>;

// As in the report that found the lost wake-up: small enough to stay in cache, large enough that the
// queue is never what limits a round trip.
constexpr std::size_t queue_capacity = 1024;

// Busy for a random time up to `most_us`: work the other side must wait for.
class thinking {
public:
  explicit thinking(unsigned most_us, unsigned seed) : most_us_(most_us), random_(seed) {}
  void operator()() {
    if (most_us_ == 0) return;
    const auto until =
        std::chrono::steady_clock::now() + std::chrono::microseconds(random_() % (most_us_ + 1));
    while (std::chrono::steady_clock::now() < until) {
    }
  }

private:
  unsigned most_us_;
  std::minstd_rand random_;
};

void report_progress(int progress_fd) {
  const char mark = '+';
  if (::write(progress_fd, &mark, 1) != 1) throw std::system_error(errno, std::system_category(), "progress");
}

void check_reply(long got, std::uint64_t sent) {
  if (got != static_cast<long>(sent))
    throw std::runtime_error("reply " + std::to_string(got) + " to request " + std::to_string(sent));
}

void blocking_main(sender& requests, receiver& replies, std::uint64_t round_trips, int progress_fd,
                   thinking think) {
  for (std::uint64_t i = 0; i < round_trips; ++i) {
    think();
    requests.push(static_cast<long>(i));
    check_reply(replies.pop(), i);
    if ((i + 1) % progress_every == 0) report_progress(progress_fd);
  }
  requests.close();
}

asio::awaitable<void> async_main(sender& requests, receiver& replies, std::uint64_t round_trips,
                                 int progress_fd, thinking think) {
  for (std::uint64_t i = 0; i < round_trips; ++i) {
    think();
    co_await requests.async_push(static_cast<long>(i), asio::use_awaitable);
    check_reply(co_await replies.async_pop(asio::use_awaitable), i);
    if ((i + 1) % progress_every == 0) report_progress(progress_fd);
  }
  requests.close();
}

void blocking_echo(receiver& requests, sender& replies, thinking think) {
  for (;;) {
    std::error_code ec;
    const long value = requests.pop(ec);
    if (ec == asio::error::eof) break;
    if (ec) throw std::system_error(ec, "echo: pop");
    think();
    replies.push(value);
  }
  replies.close();
}

asio::awaitable<void> async_echo(receiver& requests, sender& replies, thinking think) {
  for (;;) {
    std::error_code ec;
    const long value = co_await requests.async_pop(asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::eof) break;
    if (ec) throw std::system_error(ec, "echo: async_pop");
    think();
    co_await replies.async_push(value, asio::use_awaitable);
  }
  replies.close();
}

// A blocking side's endpoints need no context: they are bound to the system executor.
asio::any_io_executor executor_for(side_kind kind, asio::io_context& context) {
  if (kind == side_kind::async) return context.get_executor();
  return asio::system_executor();
}

// Runs a coroutine to completion on `context`, rethrowing what it threw.
void run_coroutine(asio::io_context& context, asio::awaitable<void> coroutine) {
  asio::co_spawn(context, std::move(coroutine), [](std::exception_ptr failure) {
    if (failure) std::rethrow_exception(failure);
  });
  context.run();
}

void run_main_side(const shape& s, asio::io_context& context, sender& requests, receiver& replies,
                   std::uint64_t round_trips, int progress_fd) {
  const thinking think(s.think_us, 1);
  if (s.main_side == side_kind::blocking)
    return blocking_main(requests, replies, round_trips, progress_fd, think);
  run_coroutine(context, async_main(requests, replies, round_trips, progress_fd, think));
}

void run_echo_side(const shape& s, asio::io_context& context, receiver& requests, sender& replies) {
  const thinking think(s.think_us, 2);
  if (s.echo_side == side_kind::blocking) return blocking_echo(requests, replies, think);
  run_coroutine(context, async_echo(requests, replies, think));
}

// No spin before waiting (the default spins for microseconds and would catch most replies): every wait
// goes through the announce, the fence and the sleep or park, the paths this test is about.
const ring_options no_spin{.waiting = {std::chrono::nanoseconds(0), core::liveness_interval}};
const shared_ring_options shared_no_spin{.waiting = no_spin.waiting};

void main_in_one_process(const shape& s, std::uint64_t round_trips, int progress_fd) {
  asio::io_context main_context(1), echo_context(1);
  const asio::any_io_executor main_executor = executor_for(s.main_side, main_context);
  const asio::any_io_executor echo_executor = executor_for(s.echo_side, echo_context);
  auto [request_sender, request_receiver] =
      make_queue<long>(main_executor, echo_executor, queue_capacity, no_spin);
  auto [reply_sender, reply_receiver] =
      make_queue<long>(echo_executor, main_executor, queue_capacity, no_spin);
  std::exception_ptr echo_failure;
  std::thread echo([&, &request_receiver = request_receiver, &reply_sender = reply_sender] {
    try {
      run_echo_side(s, echo_context, request_receiver, reply_sender);
    } catch (...) {
      echo_failure = std::current_exception();
    }
  });
  run_main_side(s, main_context, request_sender, reply_receiver, round_trips, progress_fd);
  echo.join();
  if (echo_failure) std::rethrow_exception(echo_failure);
}

pid_t start_peer(const std::string& self, const shape& s, const std::string& requests,
                 const std::string& replies) {
  std::vector<std::string> arguments{self,         "peer",   "--echo",    std::string(kind_name(s.echo_side)),
                                     "--requests", requests, "--replies", replies};
  if (s.thread_first) arguments.push_back("--thread-first");
  arguments.insert(arguments.end(), {"--think-us", std::to_string(s.think_us)});
  std::vector<char*> argv;
  for (std::string& argument : arguments)
    argv.push_back(argument.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  if (const int failed = ::posix_spawn(&pid, self.c_str(), nullptr, nullptr, argv.data(), environ))
    throw std::system_error(failed, std::system_category(), "starting the echo process");
  return pid;
}

void main_across_processes(const shape& s, std::uint64_t round_trips, int progress_fd,
                           const std::string& self) {
  // Named after this process, so that the driver can remove them if it has to kill us.
  const std::string base = "/ringpipe-wakeup-" + std::to_string(::getpid());
  const std::string request_name = base + "-requests", reply_name = base + "-replies";
  asio::io_context main_context(1);
  const asio::any_io_executor main_executor = executor_for(s.main_side, main_context);
  sender requests(main_executor, create_shared_queue<long>(request_name, queue_capacity, shared_no_spin));
  receiver replies(main_executor, create_shared_queue<long>(reply_name, queue_capacity, shared_no_spin));
  const pid_t peer = start_peer(self, s, request_name, reply_name);
  run_main_side(s, main_context, requests, replies, round_trips, progress_fd);
  int status = 0;
  ::waitpid(peer, &status, 0);
  remove_shared_ring(request_name);
  remove_shared_ring(reply_name);
  if (WIFEXITED(status) && WEXITSTATUS(status) == late_wakeups_exit)
    throw std::runtime_error("the echo process had late wake-ups");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error("the echo process failed");
}

} // namespace

std::string_view kind_name(side_kind kind) { return kind == side_kind::blocking ? "blocking" : "async"; }

side_kind parse_kind(std::string_view name) {
  if (name == "blocking") return side_kind::blocking;
  if (name == "async") return side_kind::async;
  throw std::invalid_argument("not a side kind: " + std::string(name));
}

std::string describe(const shape& s) {
  return std::string(kind_name(s.main_side)) + "/" + std::string(kind_name(s.echo_side)) +
         (s.across_processes ? " across two processes" : " in one process") +
         (s.thread_first ? ", thread first" : "");
}

void start_thread_first() {
  // On another CPU than this thread's, where one is allowed: that CPU then idles with this process's
  // address space still loaded, which is the state membarrier's global command overlooked.
  const int here = ::sched_getcpu();
  std::thread([here] {
    cpu_set_t allowed;
    if (::sched_getaffinity(0, sizeof allowed, &allowed) == 0 && here >= 0 && CPU_COUNT(&allowed) > 1) {
      CPU_CLR(here, &allowed);
      ::pthread_setaffinity_np(::pthread_self(), sizeof allowed, &allowed);
    }
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(2);
    while (std::chrono::steady_clock::now() < until) {
    }
  }).join();
}

void run_main(const shape& s, std::uint64_t round_trips, int progress_fd, const std::string& self) {
  if (s.thread_first) start_thread_first();
  if (s.across_processes)
    main_across_processes(s, round_trips, progress_fd, self);
  else
    main_in_one_process(s, round_trips, progress_fd);
}

void run_peer(const shape& s, const std::string& requests, const std::string& replies) {
  if (s.thread_first) start_thread_first();
  asio::io_context context(1);
  const asio::any_io_executor executor = executor_for(s.echo_side, context);
  receiver request_receiver(executor, open_shared_ring(requests, no_spin));
  sender reply_sender(executor, open_shared_ring(replies, no_spin));
  run_echo_side(s, context, request_receiver, reply_sender);
}

} // namespace ringpipe::stress
