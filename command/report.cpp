#include "report.hpp"

#include <cinttypes>
#include <cstdio>

#include <unistd.h>

namespace ringpipe_cmd {
namespace {

double seconds_since(steady::time_point start) {
  return std::chrono::duration<double>(steady::now() - start).count();
}

double load_seconds(const std::atomic<std::uint64_t>& nanoseconds) {
  // relaxed: statistics.
  return static_cast<double>(nanoseconds.load(std::memory_order_relaxed)) / 1e9;
}

std::uint64_t load(const std::atomic<std::uint64_t>& counter) {
  return counter.load(std::memory_order_relaxed);
}

double rate(std::uint64_t bytes, double seconds) {
  return seconds > 0 ? static_cast<double>(bytes) / seconds : 0;
}

// One endpoint's counters, as a line of the summary: how often it found the ring full (empty), and how
// those waits ended.
void print_side(const char* side, const char* blocked_on,
                const std::optional<ringpipe::endpoint_statistics>& s) {
  if (!s) return;
  std::fprintf(stderr,
               "ringpipe: ring %s: %" PRIu64 " operations, %" PRIu64 " waits on %s (%" PRIu64
               " ended by the spin, %" PRIu64 " sleeps), %" PRIu64 " futex calls, %" PRIu64
               " late wake-ups\n",
               side, s->operations, s->waits, blocked_on, s->spins_succeeded, s->sleeps, s->futex_calls,
               s->late_wakeups);
}

std::string side_json(const char* name, const std::optional<ringpipe::endpoint_statistics>& s) {
  if (!s) return "";
  char text[320];
  std::snprintf(text, sizeof text,
                ",\"%s\":{\"bytes\":%" PRIu64 ",\"operations\":%" PRIu64 ",\"waits\":%" PRIu64
                ",\"spins_succeeded\":%" PRIu64 ",\"sleeps\":%" PRIu64 ",\"parks\":%" PRIu64
                ",\"futex_calls\":%" PRIu64 ",\"late_wakeups\":%" PRIu64 "}",
                name, s->bytes, s->operations, s->waits, s->spins_succeeded, s->sleeps, s->parks,
                s->futex_calls, s->late_wakeups);
  return text;
}

} // namespace

std::string human_bytes(double bytes) {
  static const char* const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (bytes >= 1024 && unit < 4) {
    bytes /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.2f %s", bytes, units[unit]);
  return text;
}

std::string human_duration(double seconds) {
  const auto whole = static_cast<long long>(seconds + 0.5);
  char text[32];
  std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", whole / 3600, whole / 60 % 60, whole % 60);
  return text;
}

void print_summary(const transfer_state& state, const summary_facts& facts) {
  const double seconds = seconds_since(state.started);
  const std::uint64_t in = load(state.counters.bytes_in);
  const std::uint64_t out = load(state.counters.bytes_out);
  const std::uint64_t highest = load(state.counters.highest_fill);
  std::fprintf(stderr, "ringpipe: %s in, %s out in %.3f s: in %s/s, out %s/s\n", human_bytes(in).c_str(),
               human_bytes(out).c_str(), seconds, human_bytes(rate(in, seconds)).c_str(),
               human_bytes(rate(out, seconds)).c_str());
  if (const std::uint64_t kernel = load(state.counters.bytes_in_kernel); kernel != 0)
    std::fprintf(stderr, "ringpipe: %s of them moved by the kernel while the ring was empty\n",
                 human_bytes(kernel).c_str());
  std::fprintf(stderr,
               "ringpipe: input waited %.3f s on a full ring, output waited %.3f s on an empty ring; "
               "highest fill %s of %s (%.0f%%)\n",
               load_seconds(state.counters.input_waited_ns), load_seconds(state.counters.output_waited_ns),
               human_bytes(highest).c_str(), human_bytes(facts.ring_size).c_str(),
               facts.ring_size ? 100.0 * highest / facts.ring_size : 0.0);
  print_side("writer", "a full ring", facts.ring_writer);
  print_side("reader", "an empty ring", facts.ring_reader);
}

void print_summary_json(const transfer_state& state, const summary_facts& facts) {
  const double seconds = seconds_since(state.started);
  const std::uint64_t in = load(state.counters.bytes_in);
  const std::uint64_t out = load(state.counters.bytes_out);
  std::fprintf(stderr,
               "{\"bytes_in\":%" PRIu64 ",\"bytes_out\":%" PRIu64 ",\"bytes_in_kernel\":%" PRIu64
               ",\"seconds\":%.6f,\"input_rate\":%.0f,"
               "\"output_rate\":%.0f,\"input_waited_full_seconds\":%.6f,\"output_waited_empty_seconds\":%.6f,"
               "\"highest_fill\":%" PRIu64 ",\"ring_size\":%" PRIu64 ",\"exit_status\":%d%s%s%s%s%s}\n",
               in, out, load(state.counters.bytes_in_kernel), seconds, rate(in, seconds), rate(out, seconds),
               load_seconds(state.counters.input_waited_ns), load_seconds(state.counters.output_waited_ns),
               load(state.counters.highest_fill), facts.ring_size, state.exit_status(),
               facts.hash.empty() ? "" : ",\"xxh3_128\":\"", facts.hash.c_str(),
               facts.hash.empty() ? "" : "\"", side_json("ring_writer", facts.ring_writer).c_str(),
               side_json("ring_reader", facts.ring_reader).c_str());
}

progress_line::progress_line(const transfer_state& state, std::uint64_t ring_size,
                             std::optional<std::uint64_t> input_size)
    : state_(state), ring_size_(ring_size), input_size_(input_size), terminal_(::isatty(STDERR_FILENO) == 1),
      last_time_(steady::now()), thread_([this] { run(); }) {}

progress_line::~progress_line() {
  {
    std::lock_guard lock(mutex_);
    done_ = true;
  }
  wake_.notify_one();
  thread_.join();
  // The last line stays, with the whole transfer's mean rates: the totals a user looks for after.
  const double seconds = seconds_since(state_.started);
  const std::uint64_t in = load(state_.counters.bytes_in);
  const std::uint64_t out = load(state_.counters.bytes_out);
  draw({in, out, rate(in, seconds), rate(out, seconds), std::nullopt}, "\n");
}

void progress_line::run() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, std::chrono::milliseconds(500), [this] { return done_; }))
    draw_update();
}

void progress_line::draw_update() {
  const auto now = steady::now();
  const double interval = std::chrono::duration<double>(now - last_time_).count();
  progress_sample sample{load(state_.counters.bytes_in), load(state_.counters.bytes_out), 0, 0, std::nullopt};
  sample.in_rate = rate(sample.in - last_in_, interval);
  sample.out_rate = rate(sample.out - last_out_, interval);
  if (input_size_ && sample.in_rate > 0 && *input_size_ >= sample.in)
    sample.eta_seconds = static_cast<double>(*input_size_ - sample.in) / sample.in_rate;
  // On a terminal the line redraws itself; anywhere else (a log) each update is a line of its own.
  draw(sample, terminal_ ? "" : "\n");
  last_in_ = sample.in;
  last_out_ = sample.out;
  last_time_ = now;
}

void progress_line::draw(const progress_sample& sample, const char* end) {
  const double fill = ring_size_ ? 100.0 * load(state_.counters.current_fill) / ring_size_ : 0;
  const std::string eta = sample.eta_seconds ? ", ETA " + human_duration(*sample.eta_seconds) : "";
  std::fprintf(stderr, "%sin %s (%s/s), out %s (%s/s), fill %.0f%%, %s%s%s", terminal_ ? "\r\033[K" : "",
               human_bytes(sample.in).c_str(), human_bytes(sample.in_rate).c_str(),
               human_bytes(sample.out).c_str(), human_bytes(sample.out_rate).c_str(), fill,
               human_duration(seconds_since(state_.started)).c_str(), eta.c_str(), end);
  std::fflush(stderr);
}

} // namespace ringpipe_cmd
