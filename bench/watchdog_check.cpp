// The benchmarks' watchdog, checked: a contender that never finishes ends the process with exit
// status 2 and its name on stderr (ctest matches both: see bench/CMakeLists.txt).
#include <chrono>
#include <thread>

#include "watchdog.hpp"

int main() {
  ringpipe::bench::watched(
      "a contender that never finishes", [] { std::this_thread::sleep_for(std::chrono::seconds(60)); },
      std::chrono::seconds(1));
  return 0; // reached only if the watchdog failed to fire
}
