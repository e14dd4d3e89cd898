// What the command tells the user about a transfer on stderr: the live --progress line and the
// --stats / --stats-json summary at the end.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "transfer_state.hpp"

namespace ringpipe_cmd {

// Bytes with a binary unit: "1.50 GiB".
std::string human_bytes(double bytes);

struct summary_facts {
  std::uint64_t ring_size;
  std::string hash; // empty without --hash
};

void print_summary(const transfer_state& state, const summary_facts& facts);
void print_summary_json(const transfer_state& state, const summary_facts& facts);

// Redraws one line on stderr twice a second, until destroyed: bytes, rates, fill, elapsed, ETA.
class progress_line {
public:
  progress_line(const transfer_state& state, std::uint64_t ring_size,
                std::optional<std::uint64_t> input_size);
  progress_line(const progress_line&) = delete;
  progress_line& operator=(const progress_line&) = delete;
  ~progress_line();

private:
  void run();
  void draw();

  const transfer_state& state_;
  std::uint64_t ring_size_;
  std::optional<std::uint64_t> input_size_;
  std::uint64_t last_in_ = 0;
  std::uint64_t last_out_ = 0;
  steady::time_point last_time_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool done_ = false;
  std::thread thread_;
};

} // namespace ringpipe_cmd
