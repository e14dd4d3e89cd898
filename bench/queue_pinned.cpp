// Queues per element, run the way rigtorp's SPSCQueue benchmark runs its queue: `int` elements, 10 million
// per run, a queue of 8192 and one of 10 million elements, the producer and the consumer pinned to two CPUs.
// Contenders: a faithful reference of that queue's design (below), boost::lockfree::spsc_queue, and
// ringpipe's queue with try_push/try_pop and with push/pop. Throughput: the producer pushes 0..n-1, the
// consumer pops and checks each. Round trip: one queue each way, an echo thread. One thread: the same
// elements pushed and popped by one thread, a queue's worth at a time: each queue's own cost per element,
// with no cache line crossing CPUs, which bounds what its two-thread throughput can be against another's.
//
// CMake builds this file twice, as ringpipe_queue_pinned_O2 and ringpipe_queue_pinned_O3, so that the same
// run of each shows what the optimisation level does to each queue's hot path (bench/README.md).
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <pthread.h>
#include <sched.h>

#include <asio/system_executor.hpp>
#include <boost/lockfree/spsc_queue.hpp>
#include <fmt/core.h>

#include "ringpipe/ringpipe.hpp"

#include "bench_support.hpp"

namespace {

namespace bench = ringpipe::bench;
using element = int;

#ifndef RINGPIPE_OPTIMIZATION
#error "CMake names the optimisation level this copy is built at"
#endif

// The reference: rigtorp's SPSCQueue design, written here from its description. Each index on a cache line
// of its own, each side's copy of the other's index on a line of its own beside its index, slots padded at
// both ends so that the array shares no line with its neighbours, one slot left empty to tell full from
// empty; a producer that spins while full and a consumer that spins while empty.
template <class T>
class reference_queue {
public:
  explicit reference_queue(std::size_t capacity)
      : capacity_(capacity + 1), slots_(std::make_unique<T[]>(capacity_ + 2 * padding)) {}

  void push(const T& value) {
    const std::size_t write = write_index_.load(std::memory_order_relaxed); // only this side writes it
    const std::size_t next = write + 1 == capacity_ ? 0 : write + 1;
    while (next == read_index_cache_)
      read_index_cache_ = read_index_.load(std::memory_order_acquire); // the consumer is done with the slot
    slots_[write + padding] = value;
    write_index_.store(next, std::memory_order_release); // publishes the slot
  }
  const T* front() {
    const std::size_t read = read_index_.load(std::memory_order_relaxed); // only this side writes it
    if (read == write_index_cache_) {
      write_index_cache_ = write_index_.load(std::memory_order_acquire); // pairs with push's release
      if (read == write_index_cache_) return nullptr;
    }
    return &slots_[read + padding];
  }
  void pop() {
    const std::size_t read = read_index_.load(std::memory_order_relaxed);
    read_index_.store(read + 1 == capacity_ ? 0 : read + 1, std::memory_order_release); // slot read first
  }

private:
  static constexpr std::size_t line = 64;
  static constexpr std::size_t padding = (line - 1) / sizeof(T) + 1;
  std::size_t capacity_;
  std::unique_ptr<T[]> slots_;
  alignas(line) std::atomic<std::size_t> write_index_{0};
  alignas(line) std::size_t read_index_cache_ = 0;
  alignas(line) std::atomic<std::size_t> read_index_{0};
  alignas(line) std::size_t write_index_cache_ = 0;
  char tail_padding_[line - sizeof(std::size_t)]{};
};

// Every contender as one shape: push(v) spins or blocks until v is in; pop() spins or blocks until a value
// is out and returns it. Always inlined, so that each loop calls the queue's own functions as rigtorp's
// benchmark does, not a wrapper that GCC at -O2 keeps out of line for one contender and not another.
struct reference_contender {
  reference_queue<element> queue;
  explicit reference_contender(std::size_t capacity) : queue(capacity) {}
  [[gnu::always_inline]] void push(element value) { queue.push(value); }
  [[gnu::always_inline]] element pop() {
    const element* front;
    while ((front = queue.front()) == nullptr) {
    }
    const element value = *front;
    queue.pop();
    return value;
  }
};

struct boost_contender {
  boost::lockfree::spsc_queue<element> queue;
  explicit boost_contender(std::size_t capacity) : queue(capacity) {}
  [[gnu::always_inline]] void push(element value) {
    while (!queue.push(value)) {
    }
  }
  [[gnu::always_inline]] element pop() {
    element value;
    while (!queue.pop(value)) {
    }
    return value;
  }
};

struct ringpipe_ends {
  ringpipe::queue_sender<element> sender;
  ringpipe::queue_receiver<element> receiver;
  explicit ringpipe_ends(std::size_t capacity)
      : ringpipe_ends(ringpipe::make_queue<element>(asio::system_executor(), capacity,
                                                    ringpipe::ring_options{.prefault_pages = true})) {}

  // How often either end found the queue full or empty and waited (endpoint_statistics): a run with none
  // ran the same instructions in push/pop as in try_push/try_pop (the fast path, and the retry of a miss).
  std::uint64_t waits() const { return sender.statistics().waits + receiver.statistics().waits; }

private:
  explicit ringpipe_ends(std::pair<ringpipe::queue_sender<element>, ringpipe::queue_receiver<element>>&& ends)
      : sender(std::move(ends.first)), receiver(std::move(ends.second)) {}
};

struct ringpipe_spinning : ringpipe_ends {
  using ringpipe_ends::ringpipe_ends;
  [[gnu::always_inline]] void push(element value) {
    while (!sender.try_push(value)) {
    }
  }
  [[gnu::always_inline]] element pop() {
    std::optional<element> value;
    while (!(value = receiver.try_pop())) {
    }
    return *value;
  }
};

struct ringpipe_blocking : ringpipe_ends {
  using ringpipe_ends::ringpipe_ends;
  [[gnu::always_inline]] void push(element value) { sender.push(value); }
  [[gnu::always_inline]] element pop() { return receiver.pop(); }
};

// The first two CPUs this process may run on (a container's cpuset need not start at 0), read once: before
// the first pinning narrows this thread's own set.
std::pair<int, int> pinned_cpus() {
  static const std::pair<int, int> cpus = [] {
    cpu_set_t allowed;
    if (::sched_getaffinity(0, sizeof allowed, &allowed) != 0)
      throw std::system_error(errno, std::system_category(), "sched_getaffinity");
    std::vector<int> found;
    for (int cpu = 0; cpu < CPU_SETSIZE && found.size() < 2; ++cpu)
      if (CPU_ISSET(cpu, &allowed)) found.push_back(cpu);
    if (found.size() < 2) throw std::runtime_error("needs two CPUs to pin its threads to");
    return std::pair{found[0], found[1]};
  }();
  return cpus;
}

void pin_to(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (const int error = ::pthread_setaffinity_np(::pthread_self(), sizeof set, &set); error != 0)
    throw std::system_error(error, std::system_category(), fmt::format("pinning a thread to CPU {}", cpu));
}

// Runs other() on a thread pinned to one CPU and main() here, pinned to another, as rigtorp's benchmark does;
// returns the seconds from main's start until both are done. other() is started first, so it is already
// waiting when main() starts the clock.
//
// other() runs on a copy in its own thread's stack, and both take what they use by value: a thread that
// reads, on every element, a variable on the other thread's stack shares a cache line with whatever that
// thread spills there. ringpipe's push takes its element by reference, so the element is spilled beside
// the loop's variables; read through references, they cost it a cache-line transfer per element and
// measured 0.04x the reference instead of 0.4x (2026-12-07). A queue whose push inlines to registers,
// like the reference, did not pay it.
template <class Other, class Main>
double pinned_pair(Other other, Main main) {
  const std::pair<int, int> cpus = pinned_cpus(); // not a structured binding: clang 14 cannot capture one
  std::exception_ptr failure;
  std::thread other_thread([&failure, cpus, other] {
    try {
      pin_to(cpus.second);
      Other own = other; // on this thread's stack, not in the thread's state beside the caller's heap
      own();
    } catch (...) {
      failure = std::current_exception();
    }
  });
  pin_to(cpus.first);
  const auto began = std::chrono::steady_clock::now();
  main();
  other_thread.join();
  const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - began;
  if (failure) std::rethrow_exception(failure);
  return seconds.count();
}

// Whether the last throughput run of a ringpipe contender waited at all (see ringpipe_ends::waits).
bool last_run_waited = false;

// The consumer pops and checks 0..n-1 while the producer pushes them; ops/ms.
template <class Queue>
double throughput(std::size_t capacity, int count) {
  const auto owner = std::make_unique<Queue>(capacity);
  Queue* const queue = owner.get();
  bool in_order = true;
  bool* const result = &in_order;
  const double seconds = pinned_pair(
      [queue, count, result] {
        bool ordered = true;
        for (int i = 0; i < count; ++i)
          ordered &= queue->pop() == i;
        *result = ordered;
      },
      [queue, count] {
        for (int i = 0; i < count; ++i)
          queue->push(i);
      });
  if (!in_order) throw std::runtime_error("elements lost or out of order");
  if constexpr (requires { queue->waits(); }) last_run_waited = queue->waits() != 0;
  return double(count) / seconds / 1e3;
}

// Round trips through two queues: main pushes i into `there` and waits for it on `back`; the echo thread
// moves each value from `there` to `back`. Returns the mean round trip in µs.
template <class Queue>
double round_trip(std::size_t capacity, int count) {
  const auto there_owner = std::make_unique<Queue>(capacity), back_owner = std::make_unique<Queue>(capacity);
  Queue* const there = there_owner.get();
  Queue* const back = back_owner.get();
  bool in_order = true;
  const double seconds = pinned_pair(
      [there, back, count] {
        for (int i = 0; i < count; ++i)
          back->push(there->pop());
      },
      [there, back, count, &in_order] {
        bool ordered = true;
        for (int i = 0; i < count; ++i) {
          there->push(i);
          ordered &= back->pop() == i;
        }
        in_order = ordered;
      });
  if (!in_order) throw std::runtime_error("round trip: a wrong element came back");
  return seconds / count * 1e6;
}

// One thread pushes a queue's worth (or all `count`, if fewer), then pops and checks them, until `count`
// went through; nanoseconds per element pushed and popped.
template <class Queue>
double one_thread(std::size_t capacity, int count) {
  const auto queue = std::make_unique<Queue>(capacity);
  bool in_order = true;
  const auto began = std::chrono::steady_clock::now();
  for (int done = 0; done < count;) {
    const int batch =
        static_cast<int>(std::min<std::size_t>(capacity, static_cast<std::size_t>(count - done)));
    for (int i = 0; i < batch; ++i)
      queue->push(done + i);
    for (int i = 0; i < batch; ++i)
      in_order &= queue->pop() == done + i;
    done += batch;
  }
  const std::chrono::duration<double, std::nano> spent = std::chrono::steady_clock::now() - began;
  if (!in_order) throw std::runtime_error("one thread: elements lost or out of order");
  return spent.count() / count;
}

struct contender {
  const char* name;
  const char* id;
  double (*throughput)(std::size_t, int);
  double (*round_trip)(std::size_t, int);
  double (*one_thread)(std::size_t, int);
};

constexpr contender contenders[] = {
    {"reference (rigtorp's design)", "reference", throughput<reference_contender>,
     round_trip<reference_contender>, one_thread<reference_contender>},
    {"boost spsc_queue", "boost", throughput<boost_contender>, round_trip<boost_contender>,
     one_thread<boost_contender>},
    {"ringpipe try_push/try_pop", "ringpipe-try", throughput<ringpipe_spinning>,
     round_trip<ringpipe_spinning>, one_thread<ringpipe_spinning>},
    {"ringpipe push/pop (blocking)", "ringpipe-blocking", throughput<ringpipe_blocking>,
     round_trip<ringpipe_blocking>, one_thread<ringpipe_blocking>}};
constexpr std::size_t reference = 0, ringpipe_try = 2, ringpipe_block = 3;
constexpr std::size_t queue_sizes[] = {8192, 10'000'000};
constexpr double target_share_of_reference = 0.9, target_blocking_share = 0.8;

struct figures {
  bench::tally ops, trip, alone;
  int rounds_that_waited = 0; // ringpipe's blocking contender only
};
using results = std::vector<std::vector<figures>>; // [queue size][contender]

// Each round runs every contender once per queue size in turn, so that drift spreads over all of them.
results measure(const bench::options& opt) {
  const int count = static_cast<int>(opt.bytes / sizeof(element));
  const int trips = static_cast<int>(opt.round_trips);
  results all(std::size(queue_sizes), std::vector<figures>(std::size(contenders)));
  for (int round = 1; round <= opt.rounds; ++round) {
    fmt::print("round {}/{}, ops/ms, round-trip µs and one-thread ns:", round, opt.rounds);
    for (std::size_t q = 0; q < std::size(queue_sizes); ++q) {
      fmt::print("  {}:", queue_sizes[q]);
      for (std::size_t k = 0; k < std::size(contenders); ++k) {
        const auto [ops, cpus] = bench::with_cpu_share(
            contenders[k].name, [&] { return contenders[k].throughput(queue_sizes[q], count); });
        const auto [trip, trip_cpus] = bench::with_cpu_share(
            contenders[k].name, [&] { return contenders[k].round_trip(queue_sizes[q], trips); });
        const auto [alone, alone_cpus] = bench::with_cpu_share(
            contenders[k].name, [&] { return contenders[k].one_thread(queue_sizes[q], count); });
        all[q][k].ops.add(ops, cpus);
        all[q][k].trip.add(trip, trip_cpus);
        all[q][k].alone.add(alone, alone_cpus);
        all[q][k].rounds_that_waited += k == ringpipe_block && last_run_waited ? 1 : 0;
        fmt::print(" {:.0f}/{:.2f}/{:.1f}", ops, trip, alone);
      }
    }
    fmt::print("\n");
    std::fflush(stdout);
  }
  return all;
}

bool report(const results& all, bench::csv_output& csv) {
  const std::string level = RINGPIPE_OPTIMIZATION;
  bool met = true;
  for (std::size_t q = 0; q < std::size(queue_sizes); ++q) {
    fmt::print("\nqueue of {} ints, built with {}\n", queue_sizes[q], level);
    bench::print_tally_header("ops/ms");
    for (std::size_t k = 0; k < std::size(contenders); ++k) {
      bench::print_tally(contenders[k].name, all[q][k].ops);
      csv.row("throughput-" + level, contenders[k].id, double(queue_sizes[q]), all[q][k].ops);
    }
    bench::print_tally_header("µs round trip");
    for (std::size_t k = 0; k < std::size(contenders); ++k) {
      bench::print_tally(contenders[k].name, all[q][k].trip);
      csv.row("round-trip-" + level, contenders[k].id, double(queue_sizes[q]), all[q][k].trip);
    }
    bench::print_tally_header("ns, one thread");
    for (std::size_t k = 0; k < std::size(contenders); ++k) {
      bench::print_tally(contenders[k].name, all[q][k].alone);
      csv.row("one-thread-" + level, contenders[k].id, double(queue_sizes[q]), all[q][k].alone);
    }
    const auto ops = [&](std::size_t k) { return all[q][k].ops.median_value(); };
    const auto trip = [&](std::size_t k) { return all[q][k].trip.median_value(); };
    const auto alone = [&](std::size_t k) { return all[q][k].alone.median_value(); };
    fmt::print("targets, queue of {} (exit status 0 regardless, unless --strict):\n", queue_sizes[q]);
    met &= bench::judge("ringpipe try_push/try_pop / reference, throughput",
                        ops(ringpipe_try) / ops(reference), target_share_of_reference);
    // Not a target: the two queues' costs per element on one thread. The two-thread ratio above is not
    // bounded by it: which side runs ahead of the other decides that more (bench/README.md, section 3).
    fmt::print("  {:<62}{:>12.2f}  (reference's ns / ringpipe's)\n", "one thread, same elements",
               alone(reference) / alone(ringpipe_try));
    met &= bench::judge("ringpipe push/pop / try_push/try_pop, throughput",
                        ops(ringpipe_block) / ops(ringpipe_try), target_blocking_share);
    // Not a target: a blocking round that never waited ran try_push/try_pop's instructions exactly, so
    // its distance from them in that round is the machine's run-to-run spread, not the calls' cost.
    fmt::print("  {:<62}{:>12}\n", "rounds in which push/pop waited (the queue full or empty)",
               fmt::format("{} of {}", all[q][ringpipe_block].rounds_that_waited,
                           all[q][ringpipe_block].ops.values.size()));
    met &= bench::judge("ringpipe try_push/try_pop round trip / reference's",
                        trip(ringpipe_try) / trip(reference), 1.0, /*at_least=*/false);
  }
  return met;
}

} // namespace

int main(int argc, char** argv) {
  const bench::command_line line{
      .program = "ringpipe_queue_pinned_" RINGPIPE_OPTIMIZATION,
      .description =
          "int elements between two pinned threads, as rigtorp's SPSCQueue benchmark runs: ringpipe's "
          "queue against that queue's design and boost's",
      .bytes_are = "bytes of 4-byte elements per contender, queue size and round",
      .defaults = {.bytes = std::uint64_t{40'000'000}, .rounds = 5, .round_trips = 100'000},
      .quick = {.bytes = std::uint64_t{4} << 20, .rounds = 1, .round_trips = 1000}};
  return bench::run_main(argc, argv, line, [](const bench::options& opt) {
    fmt::print("{} on {} CPUs: {} elements per contender, queue size and round, {} round trips; {} rounds\n",
               "ringpipe_queue_pinned_" RINGPIPE_OPTIMIZATION, std::thread::hardware_concurrency(),
               opt.bytes / sizeof(element), opt.round_trips, opt.rounds);
    bench::csv_output csv(opt.csv);
    return report(measure(opt), csv);
  });
}
