// The original design's demo: a producer writes 1, 2, 3, ... every 10 ms into a ring of 8 int32 slots
// and a consumer prints "Consumed: N".
//
//   seed_demo [--count N] [--processes]     (--help lists them)
//
// By default the producer and the consumer are two threads of this process; with --processes the
// producer is a child process that attaches to the queue by name. --count 0 runs until interrupted.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

#include <asio/system_executor.hpp>

#include <CLI/CLI.hpp>

#include "ringpipe/ringpipe.hpp"

namespace {

void produce(ringpipe::queue_sender<std::int32_t>& sender, std::int32_t count) {
  for (std::int32_t n = 1; count == 0 || n <= count; ++n) {
    sender.push(n); // blocks while all 8 slots are full: the consumer sets the pace
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  sender.close();
}

int consume(ringpipe::queue_receiver<std::int32_t>& receiver) {
  std::error_code ec;
  for (;;) {
    const std::int32_t n = receiver.pop(ec);
    if (ec) break;
    std::printf("Consumed: %d\n", n);
    std::fflush(stdout);
  }
  return ec == asio::error::eof ? 0 : (std::fprintf(stderr, "seed_demo: %s\n", ec.message().c_str()), 1);
}

int run_in_threads(std::int32_t count) {
  auto [sender, receiver] = ringpipe::make_queue<std::int32_t>(asio::system_executor(), 8);
  std::thread producer([&sender = sender, count] { produce(sender, count); });
  const int status = consume(receiver);
  producer.join();
  return status;
}

int run_in_processes(std::int32_t count) {
  const std::string name = "ringpipe-seed-demo-" + std::to_string(::getpid());
  const ringpipe::ring queue = ringpipe::create_shared_queue<std::int32_t>(name, 8);
  const pid_t child = ::fork();
  if (child == 0) {
    // The producer process: it finds the queue by name, as an unrelated program would.
    ringpipe::queue_sender<std::int32_t> sender(asio::system_executor(), ringpipe::open_shared_ring(name));
    produce(sender, count);
    std::_Exit(0);
  }
  ringpipe::queue_receiver<std::int32_t> receiver(asio::system_executor(), queue);
  const int status = consume(receiver);
  ringpipe::remove_shared_ring(name);
  int child_status = 0;
  ::waitpid(child, &child_status, 0);
  return status != 0 ? status : (WIFEXITED(child_status) ? WEXITSTATUS(child_status) : 1);
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app("A producer sends 1, 2, 3, ... every 10 ms through a queue of 8 slots to a consumer",
               "seed_demo");
  std::int32_t count = 20;
  bool processes = false;
  app.add_option("--count", count, "numbers to send; 0 sends until interrupted")
      ->check(CLI::Range(0, std::numeric_limits<std::int32_t>::max()))
      ->capture_default_str();
  app.add_flag("--processes", processes, "produce in a child process that opens the queue by name");
  CLI11_PARSE(app, argc, argv);
  try {
    return processes ? run_in_processes(count) : run_in_threads(count);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "seed_demo: %s\n", e.what());
    return 1;
  }
}
