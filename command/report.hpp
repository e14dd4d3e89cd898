// What the command tells the user about a transfer on stderr: the live --progress line and the
// --stats / --stats-json summary at the end.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "ringpipe/endpoint_statistics.hpp"
#include "transfer_state.hpp"

namespace ringpipe_cmd {

// Bytes with a binary unit: "1.50 GiB".
std::string human_bytes(double bytes);
// A duration as H:MM:SS: "0:01:05".
std::string human_duration(double seconds);

struct summary_facts {
  std::uint64_t ring_size;
  std::string hash; // empty without --hash
  // The middle ring's endpoints' own counters (ringpipe::endpoint_statistics), where this process
  // held them: no writer for a shm: input, no reader for a single shm: output.
  std::optional<ringpipe::endpoint_statistics> ring_writer;
  std::optional<ringpipe::endpoint_statistics> ring_reader;
};

void print_summary(const transfer_state& state, const summary_facts& facts);
void print_summary_json(const transfer_state& state, const summary_facts& facts);

// Twice a second until destroyed, a line on stderr: bytes and rates in and out, ring fill, elapsed
// time, and the ETA when the input's size is known. On a terminal the line redraws itself in place;
// elsewhere each update is a line of its own. The last line, with mean rates, stays.
class progress_line {
public:
  progress_line(const transfer_state& state, std::uint64_t ring_size,
                std::optional<std::uint64_t> input_size);
  progress_line(const progress_line&) = delete;
  progress_line& operator=(const progress_line&) = delete;
  ~progress_line();

private:
  struct progress_sample {
    std::uint64_t in;
    std::uint64_t out;
    double in_rate; // bytes per second
    double out_rate;
    std::optional<double> eta_seconds;
  };

  void run();
  void draw_update();
  void draw(const progress_sample& sample, const char* end);

  const transfer_state& state_;
  std::uint64_t ring_size_;
  std::optional<std::uint64_t> input_size_;
  bool terminal_;
  std::uint64_t last_in_ = 0;
  std::uint64_t last_out_ = 0;
  steady::time_point last_time_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool done_ = false;
  std::thread thread_;
};

} // namespace ringpipe_cmd
