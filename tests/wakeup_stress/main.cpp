// The wake-up stress test (issue 9): many fresh processes, each running one short ping-pong in which
// nearly every operation sleeps or parks, in every shape — blocking and asynchronous on either side,
// in one process and across two, with and without a thread started before the first ring. A progress
// watchdog fails a run that stops moving, naming its shape; a run that finishes must report no late
// wake-up (a bounded recheck that found a sleeper's ring ready: a lost wake-up, caught).
//
//   wakeup_stress drive [--runs N] [--round-trips N] [--think-us N] [--stall-ms MS] [--only TEXT]
//   wakeup_stress run --main KIND --echo KIND [--across-processes] [--thread-first]  one run
//   wakeup_stress fence-reach [--thread-first] [--barriers N]                         one fence check
//   wakeup_stress peer --echo KIND --requests NAME --replies NAME [--thread-first]   its echo process
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include <CLI/CLI.hpp>

#include "driver.hpp"
#include "fence_reach.hpp"
#include "ping_pong.hpp"
#include "ringpipe/core/platform.hpp"

namespace {

void add_kind_option(CLI::App& command, const char* name, std::string& kind, const char* what) {
  command.add_option(name, kind, what)->required()->check(CLI::IsMember({"blocking", "async"}));
}

} // namespace

int main(int argc, char** argv) {
  using namespace ringpipe::stress;
  CLI::App app("ringpipe's wake-up stress test: ping-pongs in fresh processes under a progress watchdog");
  app.require_subcommand(1);

  driver_options drive_options;
  CLI::App* drive = app.add_subcommand("drive", "run every shape in fresh processes and report");
  drive->add_option("--fence-runs", drive_options.fence_runs, "fresh processes per fence-reach check")
      ->check(CLI::PositiveNumber);
  drive->add_option("--runs", drive_options.runs, "fresh processes per shape")->check(CLI::PositiveNumber);
  drive->add_option("--round-trips", drive_options.round_trips, "round trips per process")
      ->check(CLI::PositiveNumber);
  drive->add_option("--stall-ms", drive_options.stall_ms, "a run without progress for this long has hung")
      ->check(CLI::PositiveNumber);
  drive->add_option("--think-us", drive_options.think_us, "each side's work before answering, at most");
  drive->add_option("--only", drive_options.only, "run only the shapes whose description contains this");

  std::string main_kind, echo_kind, requests, replies;
  shape run_shape;
  std::uint64_t round_trips = drive_options.round_trips;
  CLI::App* run =
      app.add_subcommand("run", "one ping-pong; progress bytes on stdout, then its late wake-ups");
  add_kind_option(*run, "--main", main_kind, "the side that sends and checks the replies");
  add_kind_option(*run, "--echo", echo_kind, "the side that echoes");
  run->add_flag("--across-processes", run_shape.across_processes, "echo from a peer process");
  run->add_flag("--thread-first", run_shape.thread_first, "start a thread before the first ring exists");
  run->add_option("--round-trips", round_trips, "round trips")->check(CLI::PositiveNumber);
  run->add_option("--think-us", run_shape.think_us, "each side's work before answering, at most");

  shape peer_shape;
  CLI::App* peer = app.add_subcommand("peer", "the echo side of a run across processes");
  add_kind_option(*peer, "--echo", echo_kind, "blocking or async");
  peer->add_option("--requests", requests, "the request queue's name")->required();
  peer->add_option("--replies", replies, "the reply queue's name")->required();
  peer->add_flag("--thread-first", peer_shape.thread_first, "start a thread before the first ring exists");
  peer->add_option("--think-us", peer_shape.think_us, "work before answering, at most");

  bool fence_thread_first = false;
  unsigned barriers = 2000;
  CLI::App* fence_reach =
      app.add_subcommand("fence-reach", "does a sleeper's fence reach a running thread of ours?");
  fence_reach->add_flag("--thread-first", fence_thread_first,
                        "run a thread on that CPU before the first ring");
  fence_reach->add_option("--barriers", barriers, "heavy fences to send")->check(CLI::PositiveNumber);

  CLI11_PARSE(app, argc, argv);
  try {
    if (*drive) return drive_all_shapes(drive_options, argv[0]);
    if (*fence_reach) {
      std::string why_not;
      if (const auto reach = measure_fence_reach(fence_thread_first, barriers, why_not))
        std::printf("barriers %u\ninterrupts %u\n", reach->barriers, reach->interrupts);
      else
        std::printf("skipped: %s\n", why_not.c_str());
      return 0;
    }
    if (*run) {
      run_shape.main_side = parse_kind(main_kind);
      run_shape.echo_side = parse_kind(echo_kind);
      run_main(run_shape, round_trips, STDOUT_FILENO, argv[0]);
      std::printf("\nfutex-calls %llu\nlate-wakeups %llu\n",
                  static_cast<unsigned long long>(ringpipe::core::futex_call_count()),
                  static_cast<unsigned long long>(ringpipe::core::late_wakeup_count()));
      return 0;
    }
    peer_shape.echo_side = parse_kind(echo_kind);
    run_peer(peer_shape, requests, replies);
    return ringpipe::core::late_wakeup_count() == 0 ? 0 : late_wakeups_exit;
  } catch (const std::exception& failure) {
    std::fprintf(stderr, "wakeup_stress: %s\n", failure.what());
    // Without unwinding: a failed side may leave the other blocked, and joining it would hang.
    std::_Exit(1);
  }
}
