// Object mode: 8-byte elements (std::uint64_t) from one thread to another through ringpipe's typed queue,
// boost::lockfree::spsc_queue and moodycamel's queues, all holding 8192 elements: throughput with spinning
// and with blocking ends, and the round trip through two queues of each kind (one each way).
// bench/README.md says what each contender does and what it measured.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
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

// Both ends in this process, but each attached through its own handle on the ring, as two processes
// attach: each takes its peer for a remote one, so every push and pop runs the full fence that a waker
// whose sleeper may be in another process needs (docs/design.md). What that fence costs per element.
struct ringpipe_ends_as_across_processes {
  ringpipe::ring memory = ringpipe::create_queue_ring<element>(capacity);
  ringpipe::queue_sender<element> sender{asio::system_executor(), memory};
  ringpipe::queue_receiver<element> receiver{asio::system_executor(),
                                             ringpipe::open_ring(memory.native_handle())};
};

template <class Ends>
struct ringpipe_blocking_on : Ends {
  bool push(element value) {
    this->sender.push(value);
    return true;
  }
  bool pop(element& value) {
    value = this->receiver.pop();
    return true;
  }
};

using ringpipe_blocking = ringpipe_blocking_on<ringpipe_ends>;
using ringpipe_blocking_as_across_processes = ringpipe_blocking_on<ringpipe_ends_as_across_processes>;

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

// The reference ceiling: the least an SPSC ring with cached indices does (rigtorp's SPSCQueue and the
// like), written here in a few lines: no wake-up, no validation, no close. Not a usable queue; it shows
// what this machine allows, so that ringpipe's cost on top of it can be read off the same run.
struct cached_index_ring {
  std::vector<element> slots = std::vector<element>(capacity);
  alignas(128) std::atomic<std::uint64_t> pushed{0};
  alignas(128) std::atomic<std::uint64_t> popped{0};
  alignas(128) std::uint64_t producer_position = 0, producer_cached_popped = 0;
  alignas(128) std::uint64_t consumer_position = 0, consumer_cached_pushed = 0;

  bool push(element value) {
    if (producer_position - producer_cached_popped == capacity) {
      // acquire: the consumer is done reading the slot we are about to reuse.
      producer_cached_popped = popped.load(std::memory_order_acquire);
      if (producer_position - producer_cached_popped == capacity) return false;
    }
    slots[producer_position % capacity] = value;
    // release: publishes the slot.
    pushed.store(++producer_position, std::memory_order_release);
    return true;
  }
  bool pop(element& value) {
    if (consumer_position == consumer_cached_pushed) {
      // acquire: pairs with push's release.
      consumer_cached_pushed = pushed.load(std::memory_order_acquire);
      if (consumer_position == consumer_cached_pushed) return false;
    }
    value = slots[consumer_position % capacity];
    // release: our read of the slot happens before the producer reuses it.
    popped.store(++consumer_position, std::memory_order_release);
    return true;
  }
};

void require(bool delivered_right, const char* what) {
  if (!delivered_right) throw std::runtime_error(std::string(what) + ": elements lost or out of order");
}

// Pushes 0, 1, ... count-1 from a producer thread and pops them here, checking each; returns ops/ms.
// The queue lives on the heap and each thread writes only its own locals: a flag written on every
// element next to a field the other thread reads (the stack frame they share) costs any contender a
// cache line per element, which measured 4x for the simplest queues.
template <class Queue>
double stream_elements(std::uint64_t count) {
  const auto queue = std::make_unique<Queue>();
  bool in_order = true;
  const double seconds = bench::timed_transfer(
      [&queue = *queue, count] {
        for (element value = 0; value < count; ++value)
          while (!queue.push(value)) {
          }
      },
      [&queue = *queue, count, &in_order] {
        bool ordered = true;
        element popped = 0;
        for (element value = 0; value < count; ++value) {
          while (!queue.pop(popped)) {
          }
          ordered &= popped == value;
        }
        in_order = ordered;
      });
  require(in_order, "throughput");
  return double(count) / seconds / 1e3;
}

// ringpipe's bulk calls: push(span) and pop(span) move up to `batch` elements each, blocking.
double stream_batches(std::uint64_t count) {
  const auto queue = std::make_unique<ringpipe_ends>();
  bool in_order = true;
  const double seconds = bench::timed_transfer(
      [&queue = *queue, count] {
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
      [&queue = *queue, count, &in_order] {
        bool ordered = true;
        std::vector<element> values(batch);
        for (element next = 0; next < count;) {
          const std::size_t popped = queue.receiver.pop(std::span<element>(values));
          for (std::size_t i = 0; i < popped; ++i)
            ordered &= values[i] == next + i;
          next += popped;
        }
        in_order = ordered;
      });
  require(in_order, "bulk throughput");
  return double(count) / seconds / 1e3;
}

// Round trips through two queues: this thread pushes i and waits for it to come back through the
// second queue, which an echo thread feeds. Returns each round trip's time in µs.
template <class Queue>
std::vector<double> round_trips(std::uint64_t trips) {
  const auto there = std::make_unique<Queue>(), back = std::make_unique<Queue>();
  std::vector<double> micros(trips);
  bool in_order = true;
  bench::timed_transfer(
      [&there = *there, &back = *back, trips] {
        element value = 0;
        for (std::uint64_t i = 0; i < trips; ++i) {
          while (!there.pop(value)) {
          }
          while (!back.push(value)) {
          }
        }
      },
      [&there = *there, &back = *back, trips, &micros, &in_order] {
        bool ordered = true;
        element value = 0;
        for (std::uint64_t i = 0; i < trips; ++i) {
          const auto sent = std::chrono::steady_clock::now();
          while (!there.push(i)) {
          }
          while (!back.pop(value)) {
          }
          const std::chrono::duration<double, std::micro> trip = std::chrono::steady_clock::now() - sent;
          micros[i] = trip.count();
          ordered &= value == i;
        }
        in_order = ordered;
      });
  require(in_order, "round trip");
  return micros;
}

struct contender {
  const char* name;
  const char* id; // its name in the CSV
  double (*throughput)(std::uint64_t count);
  std::vector<double> (*latency)(std::uint64_t trips); // null: no round-trip row
};

// In report()'s order. The first two are the ones the throughput target compares.
constexpr contender contenders[] = {
    {"ringpipe try_push/try_pop (spinning)", "ringpipe-try", stream_elements<ringpipe_spinning>,
     round_trips<ringpipe_spinning>},
    {"boost spsc_queue push/pop (spinning)", "boost", stream_elements<boost_spinning>,
     round_trips<boost_spinning>},
    {"moodycamel BRWQ try_enqueue/try_dequeue (spinning)", "moodycamel", stream_elements<moodycamel_spinning>,
     round_trips<moodycamel_spinning>},
    {"ringpipe push/pop (blocking)", "ringpipe-blocking", stream_elements<ringpipe_blocking>,
     round_trips<ringpipe_blocking>},
    {"moodycamel BRWQ try_enqueue/wait_dequeue (blocking)", "moodycamel-blocking",
     stream_elements<moodycamel_blocking>, round_trips<moodycamel_blocking>},
    {"moodycamel circular wait_enqueue/wait_dequeue (blocking)", "moodycamel-circular",
     stream_elements<moodycamel_circular_blocking>, round_trips<moodycamel_circular_blocking>},
    {"ringpipe push(span)/pop(span), 256 a call (bulk, blocking)", "ringpipe-bulk", stream_batches, nullptr},
    {"reference: bare cached-index ring, no wake-up or checks", "reference",
     stream_elements<cached_index_ring>, round_trips<cached_index_ring>},
    {"ringpipe push/pop (blocking), ends as across processes", "ringpipe-blocking-as-across-processes",
     stream_elements<ringpipe_blocking_as_across_processes>,
     round_trips<ringpipe_blocking_as_across_processes>}};
constexpr std::size_t ringpipe_spin = 0, boost_spin = 1, moodycamel_spin = 2, ringpipe_block = 3,
                      ringpipe_bulk = 6, reference = 7, ringpipe_block_across = 8;

struct figures {
  bench::tally throughput, median_trip, p99_trip;
  std::vector<double> trips; // every round's round trips, for the CDF
};

// Each round runs every contender once in turn, so that drift in the machine's load spreads over all.
std::vector<figures> measure(const bench::options& opt) {
  std::vector<figures> all(std::size(contenders));
  const std::uint64_t count = opt.bytes / sizeof(element);
  for (int round = 1; round <= opt.rounds; ++round) {
    fmt::print("round {}/{}, ops/ms and round-trip median µs:", round, opt.rounds);
    for (std::size_t k = 0; k < std::size(contenders); ++k) {
      const auto [rate, cpus] =
          bench::with_cpu_share(contenders[k].name, [&] { return contenders[k].throughput(count); });
      all[k].throughput.add(rate, cpus);
      fmt::print(" {:.0f}", rate);
      if (!contenders[k].latency) continue;
      const auto [micros, trip_cpus] =
          bench::with_cpu_share(contenders[k].name, [&] { return contenders[k].latency(opt.round_trips); });
      all[k].median_trip.add(bench::median(micros), trip_cpus);
      all[k].p99_trip.add(bench::percentile(micros, 0.99), trip_cpus);
      all[k].trips.insert(all[k].trips.end(), micros.begin(), micros.end());
      fmt::print("/{:.2f}", all[k].median_trip.values.back());
    }
    fmt::print("\n");
    std::fflush(stdout);
  }
  return all;
}

// The tables, also as CSV: tables `throughput` and `round-trip` (x: the queue's capacity), and `cdf`, every
// round trip's distribution.
bool report(const std::vector<figures>& all, bench::csv_output& csv) {
  fmt::print("\nthroughput, {} elements of 8 bytes per queue\n", capacity);
  bench::print_tally_header("ops/ms");
  for (std::size_t k = 0; k < std::size(contenders); ++k) {
    bench::print_tally(contenders[k].name, all[k].throughput);
    csv.row("throughput", contenders[k].id, capacity, all[k].throughput);
  }
  fmt::print(
      "\nround trip through two queues (one each way); median over the rounds of each round's figure\n");
  bench::print_tally_header("µs");
  for (std::size_t k = 0; k < std::size(contenders); ++k) {
    if (!contenders[k].latency) continue;
    bench::print_tally(fmt::format("{}: median", contenders[k].name), all[k].median_trip);
    bench::print_tally(fmt::format("{}: p99", contenders[k].name), all[k].p99_trip);
    csv.row("round-trip", contenders[k].id, capacity, all[k].median_trip);
    csv.cdf("cdf", contenders[k].id, all[k].trips);
  }
  const auto ops = [&](std::size_t k) { return all[k].throughput.median_value(); };
  const auto trip = [&](std::size_t k) { return all[k].median_trip.median_value(); };
  fmt::print("\nratios of medians\n");
  fmt::print("  {:<62}{:>12.2f}x\n", "ringpipe blocking / boost spinning",
             ops(ringpipe_block) / ops(boost_spin));
  fmt::print("  {:<62}{:>12.2f}x\n", "ringpipe bulk / boost spinning", ops(ringpipe_bulk) / ops(boost_spin));
  fmt::print("  {:<62}{:>12.2f}x\n", "reference (bare cached-index ring) / boost spinning",
             ops(reference) / ops(boost_spin));
  fmt::print("  {:<62}{:>12.2f}x\n", "ringpipe spinning / reference", ops(ringpipe_spin) / ops(reference));
  fmt::print("  {:<62}{:>12.2f}x\n", "ringpipe blocking, ends as across processes / in one process",
             ops(ringpipe_block_across) / ops(ringpipe_block));
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
  const bench::command_line line{
      .program = "ringpipe_queue_bench",
      .description =
          "8-byte elements between threads: ringpipe's typed queue against boost::lockfree and moodycamel's",
      .bytes_are = "bytes of 8-byte elements per contender and round",
      .defaults = {.bytes = std::uint64_t{64} << 20, .rounds = 5, .round_trips = 20000},
      .quick = {.bytes = std::uint64_t{8} << 20, .rounds = 3, .round_trips = 2000}};
  return bench::run_main(argc, argv, line, [](const bench::options& opt) {
    fmt::print("ringpipe_queue_bench on {} CPUs: {} elements per contender and round, "
               "{} round trips; {} rounds\n",
               std::thread::hardware_concurrency(), opt.bytes / sizeof(element), opt.round_trips, opt.rounds);
    bench::csv_output csv(opt.csv);
    return report(measure(opt), csv);
  });
}
