// Object mode: 8-byte elements (std::uint64_t) from one thread to another through ringpipe's typed queue,
// boost::lockfree::spsc_queue and moodycamel's queues, all holding 8192 elements: throughput with spinning
// and with blocking ends, and the round trip through two queues of each kind (one each way).
// bench/README.md says what each contender does and what it measured.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <asio/system_executor.hpp>
#include <boost/lockfree/spsc_queue.hpp>
#include <fmt/core.h>
#include <readerwriterqueue/readerwritercircularbuffer.h>
#include <readerwriterqueue/readerwriterqueue.h>

#include "ringpipe/ringpipe.hpp"

#include "bench_support.hpp"

namespace {

namespace bench = ringpipe::bench;
using element = std::uint64_t;

constexpr std::size_t capacity = 8192; // elements: 64 KiB, in L2 for every contender
constexpr std::size_t batch = 256;     // elements per bulk push/pop
constexpr double target_times_boost = 3.0;

// Every contender is a queue with push(v) and pop(v&), each returning false for "try again": a spinning
// end loops on it, a blocking end never returns false. Each end is used by one thread only.
struct ringpipe_ends {
  ringpipe::queue_sender<element> sender;
  ringpipe::queue_receiver<element> receiver;

  ringpipe_ends() : ringpipe_ends(ringpipe::make_queue<element>(asio::system_executor(), capacity)) {}

private:
  explicit ringpipe_ends(std::pair<ringpipe::queue_sender<element>, ringpipe::queue_receiver<element>>&& ends)
      : sender(std::move(ends.first)), receiver(std::move(ends.second)) {}
};

struct ringpipe_spinning : ringpipe_ends {
  bool push(element value) { return sender.try_push(value); }
  bool pop(element& value) {
    const std::optional<element> popped = receiver.try_pop();
    if (popped) value = *popped;
    return popped.has_value();
  }
};

struct ringpipe_blocking : ringpipe_ends {
  bool push(element value) {
    sender.push(value);
    return true;
  }
  bool pop(element& value) {
    value = receiver.pop();
    return true;
  }
};

struct boost_spinning {
  boost::lockfree::spsc_queue<element> queue{capacity};
  bool push(element value) { return queue.push(value); }
  bool pop(element& value) { return queue.pop(value); }
};

struct moodycamel_spinning {
  moodycamel::BlockingReaderWriterQueue<element> queue{capacity};
  // try_enqueue never allocates: false when full, like the others (enqueue would grow the queue).
  bool push(element value) { return queue.try_enqueue(value); }
  bool pop(element& value) { return queue.try_dequeue(value); }
};

// The producer still spins (this queue cannot block a producer on a full queue); the consumer sleeps.
struct moodycamel_blocking : moodycamel_spinning {
  bool pop(element& value) {
    queue.wait_dequeue(value);
    return true;
  }
};

struct moodycamel_circular_blocking {
  moodycamel::BlockingReaderWriterCircularBuffer<element> queue{capacity};
  bool push(element value) {
    queue.wait_enqueue(value);
    return true;
  }
  bool pop(element& value) {
    queue.wait_dequeue(value);
    return true;
  }
};

void require(bool delivered_right, const char* what) {
  if (!delivered_right) throw std::runtime_error(std::string(what) + ": elements lost or out of order");
}

// Pushes 0, 1, ... count-1 from a producer thread and pops them here, checking each; returns ops/ms.
template <class Queue>
double stream_elements(std::uint64_t count) {
  Queue queue;
  bool in_order = true;
  const double seconds = bench::timed_transfer(
      [&] {
        for (element value = 0; value < count; ++value)
          while (!queue.push(value)) {
          }
      },
      [&] {
        element popped = 0;
        for (element value = 0; value < count; ++value) {
          while (!queue.pop(popped)) {
          }
          in_order &= popped == value;
        }
      });
  require(in_order, "throughput");
  return double(count) / seconds / 1e3;
}

// ringpipe's bulk calls: push(span) and pop(span) move up to `batch` elements each, blocking.
double stream_batches(std::uint64_t count) {
  ringpipe_ends queue;
  bool in_order = true;
  const double seconds = bench::timed_transfer(
      [&] {
        std::vector<element> values(batch);
        for (element next = 0; next < count;) {
          const std::size_t size = std::min<std::uint64_t>(batch, count - next);
          for (std::size_t i = 0; i < size; ++i)
            values[i] = next + i;
          for (std::size_t pushed = 0; pushed < size;)
            pushed += queue.sender.push(std::span<const element>(values).subspan(pushed, size - pushed));
          next += size;
        }
      },
      [&] {
        std::vector<element> values(batch);
        for (element next = 0; next < count;) {
          const std::size_t popped = queue.receiver.pop(std::span<element>(values));
          for (std::size_t i = 0; i < popped; ++i)
            in_order &= values[i] == next + i;
          next += popped;
        }
      });
  require(in_order, "bulk throughput");
  return double(count) / seconds / 1e3;
}

// Round trips through two queues: this thread pushes i and waits for it to come back through the
// second queue, which an echo thread feeds. Returns each round trip's time in µs.
template <class Queue>
std::vector<double> round_trips(std::uint64_t trips) {
  Queue there, back;
  std::vector<double> micros(trips);
  bool in_order = true;
  bench::timed_transfer(
      [&] {
        element value = 0;
        for (std::uint64_t i = 0; i < trips; ++i) {
          while (!there.pop(value)) {
          }
          while (!back.push(value)) {
          }
        }
      },
      [&] {
        element value = 0;
        for (std::uint64_t i = 0; i < trips; ++i) {
          const auto sent = std::chrono::steady_clock::now();
          while (!there.push(i)) {
          }
          while (!back.pop(value)) {
          }
          const std::chrono::duration<double, std::micro> trip = std::chrono::steady_clock::now() - sent;
          micros[i] = trip.count();
          in_order &= value == i;
        }
      });
  require(in_order, "round trip");
  return micros;
}

struct contender {
  const char* name;
  double (*throughput)(std::uint64_t count);
  std::vector<double> (*latency)(std::uint64_t trips); // null: no round-trip row
};

// In report()'s order. The first two are the ones the throughput target compares.
constexpr contender contenders[] = {
    {"ringpipe try_push/try_pop (spinning)", stream_elements<ringpipe_spinning>,
     round_trips<ringpipe_spinning>},
    {"boost spsc_queue push/pop (spinning)", stream_elements<boost_spinning>, round_trips<boost_spinning>},
    {"moodycamel BRWQ try_enqueue/try_dequeue (spinning)", stream_elements<moodycamel_spinning>,
     round_trips<moodycamel_spinning>},
    {"ringpipe push/pop (blocking)", stream_elements<ringpipe_blocking>, round_trips<ringpipe_blocking>},
    {"moodycamel BRWQ try_enqueue/wait_dequeue (blocking)", stream_elements<moodycamel_blocking>,
     round_trips<moodycamel_blocking>},
    {"moodycamel circular wait_enqueue/wait_dequeue (blocking)",
     stream_elements<moodycamel_circular_blocking>, round_trips<moodycamel_circular_blocking>},
    {"ringpipe push(span)/pop(span), 256 a call (bulk, blocking)", stream_batches, nullptr}};
constexpr std::size_t ringpipe_spin = 0, boost_spin = 1, moodycamel_spin = 2, ringpipe_block = 3;

struct figures {
  bench::tally throughput, median_trip, p99_trip;
};

// Each round runs every contender once in turn, so that drift in the machine's load spreads over all.
std::vector<figures> measure(const bench::options& opt) {
  std::vector<figures> all(std::size(contenders));
  const std::uint64_t count = opt.bytes / sizeof(element);
  for (int round = 1; round <= opt.rounds; ++round) {
    fmt::print("round {}/{}, ops/ms and round-trip median µs:", round, opt.rounds);
    for (std::size_t k = 0; k < std::size(contenders); ++k) {
      const auto [rate, cpus] = bench::with_cpu_share([&] { return contenders[k].throughput(count); });
      all[k].throughput.add(rate, cpus);
      fmt::print(" {:.0f}", rate);
      if (!contenders[k].latency) continue;
      const auto [micros, trip_cpus] =
          bench::with_cpu_share([&] { return contenders[k].latency(opt.round_trips); });
      all[k].median_trip.add(bench::median(micros), trip_cpus);
      all[k].p99_trip.add(bench::percentile(micros, 0.99), trip_cpus);
      fmt::print("/{:.2f}", all[k].median_trip.values.back());
    }
    fmt::print("\n");
    std::fflush(stdout);
  }
  return all;
}

bool report(const std::vector<figures>& all) {
  fmt::print("\nthroughput, {} elements of 8 bytes per queue\n", capacity);
  bench::print_tally_header("ops/ms");
  for (std::size_t k = 0; k < std::size(contenders); ++k)
    bench::print_tally(contenders[k].name, all[k].throughput);
  fmt::print(
      "\nround trip through two queues (one each way); median over the rounds of each round's figure\n");
  bench::print_tally_header("µs");
  for (std::size_t k = 0; k < std::size(contenders); ++k) {
    if (!contenders[k].latency) continue;
    bench::print_tally(fmt::format("{}: median", contenders[k].name), all[k].median_trip);
    bench::print_tally(fmt::format("{}: p99", contenders[k].name), all[k].p99_trip);
  }
  const auto ops = [&](std::size_t k) { return all[k].throughput.median_value(); };
  const auto trip = [&](std::size_t k) { return all[k].median_trip.median_value(); };
  fmt::print("\nratios of medians\n");
  fmt::print("  {:<62}{:>12.2f}x\n", "ringpipe blocking / boost spinning",
             ops(ringpipe_block) / ops(boost_spin));
  fmt::print("  {:<62}{:>12.2f}x\n", "ringpipe bulk / boost spinning",
             ops(std::size(contenders) - 1) / ops(boost_spin));
  fmt::print("\ntargets (exit status 0 regardless, unless --strict):\n");
  bool met = bench::judge("ringpipe spinning / boost spinning, throughput",
                          ops(ringpipe_spin) / ops(boost_spin), target_times_boost);
  met &= bench::judge("ringpipe spinning round trip, µs, below boost's", trip(ringpipe_spin),
                      trip(boost_spin), /*at_least=*/false);
  met &= bench::judge("ringpipe spinning round trip, µs, below moodycamel's", trip(ringpipe_spin),
                      trip(moodycamel_spin), /*at_least=*/false);
  return met;
}

} // namespace

int main(int argc, char** argv) {
  const bench::command_line line{{.bytes = std::uint64_t{64} << 20, .rounds = 5, .round_trips = 20000},
                                 {.bytes = std::uint64_t{8} << 20, .rounds = 3, .round_trips = 2000}};
  return bench::run_main(argc, argv, "ringpipe_queue_bench",
                         "bytes of 8-byte elements per contender and round", line,
                         [](const bench::options& opt) {
                           fmt::print("ringpipe_queue_bench on {} CPUs: {} elements per contender and round, "
                                      "{} round trips; {} rounds\n",
                                      std::thread::hardware_concurrency(), opt.bytes / sizeof(element),
                                      opt.round_trips, opt.rounds);
                           return report(measure(opt));
                         });
}
