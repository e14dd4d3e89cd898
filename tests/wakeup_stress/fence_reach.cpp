#include "fence_reach.hpp"

#include <atomic>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include <pthread.h>
#include <sched.h>

#include "ringpipe/core/platform.hpp"
#include "ringpipe/ring.hpp"

namespace ringpipe::stress {
namespace {

bool pin_to(int cpu) {
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  return ::pthread_setaffinity_np(::pthread_self(), sizeof one, &one) == 0;
}

// The function-call interrupts (the "CAL" row, which membarrier's IPIs land in) received by `cpu` so
// far, or nullopt when /proc/interrupts does not show them.
std::optional<unsigned long> call_interrupts(int cpu) {
  std::ifstream table("/proc/interrupts");
  std::string line;
  if (!std::getline(table, line)) return std::nullopt;
  std::istringstream header(line);
  std::vector<std::string> columns;
  for (std::string column; header >> column;)
    columns.push_back(column);
  std::size_t column = columns.size();
  for (std::size_t i = 0; i < columns.size(); ++i)
    if (columns[i] == "CPU" + std::to_string(cpu)) column = i;
  if (column == columns.size()) return std::nullopt;
  while (std::getline(table, line)) {
    std::istringstream row(line);
    std::string name;
    row >> name;
    if (name != "CAL:") continue;
    unsigned long count = 0;
    for (std::size_t i = 0; i <= column; ++i)
      if (!(row >> count)) return std::nullopt;
    return count;
  }
  return std::nullopt;
}

} // namespace

std::optional<fence_reach_result> measure_fence_reach(bool thread_first, unsigned barriers,
                                                      std::string& why_not) {
  cpu_set_t allowed;
  std::vector<int> cpus;
  if (::sched_getaffinity(0, sizeof allowed, &allowed) == 0)
    for (int cpu = 0; cpu < CPU_SETSIZE && cpus.size() < 2; ++cpu)
      if (CPU_ISSET(cpu, &allowed)) cpus.push_back(cpu);
  if (cpus.size() < 2 || !pin_to(cpus[0])) {
    why_not = "fewer than two usable CPUs";
    return std::nullopt;
  }
  const int watched = cpus[1];
  if (!call_interrupts(watched)) {
    why_not = "/proc/interrupts shows no per-CPU function-call interrupts";
    return std::nullopt;
  }
  if (thread_first) {
    std::thread([watched] {
      pin_to(watched);
      const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(2);
      while (std::chrono::steady_clock::now() < until) {
      }
    }).join();
    // Let that CPU go idle, keeping this process's address space loaded.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const ring memory = create_ring(4096); // the first mapping registers the process for membarrier
  // relaxed: set once, by the mapping just made on this thread.
  if (!core::linux_platform::asymmetric_fences()) {
    why_not = "no asymmetric fences here: every fence is a full fence";
    return std::nullopt;
  }
  // relaxed, both: a start and a stop signal; nothing is published through them.
  std::atomic<bool> running{false}, stop{false};
  std::thread busy([&] {
    pin_to(watched);
    running.store(true, std::memory_order_relaxed);
    while (!stop.load(std::memory_order_relaxed)) {
    }
  });
  while (!running.load(std::memory_order_relaxed))
    std::this_thread::yield();
  // The busy thread is switched out now and then (the barriers themselves wake kernel work on its
  // CPU), and a barrier rightly skips a CPU running another task: of up to three windows, the one
  // that reached the CPU most counts. A stale mark of the global command stays stale through them,
  // as kernel threads in between do not refresh it.
  fence_reach_result best{barriers, 0};
  for (int window = 0; window < 3 && best.interrupts < barriers / 2; ++window) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const unsigned long before = *call_interrupts(watched);
    for (unsigned i = 0; i < barriers; ++i)
      core::linux_platform::heavy_fence();
    const unsigned long reached = *call_interrupts(watched) - before;
    if (reached > best.interrupts) best.interrupts = static_cast<unsigned>(reached);
  }
  stop.store(true, std::memory_order_relaxed);
  busy.join();
  return best;
}

} // namespace ringpipe::stress
