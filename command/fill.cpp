#include <chrono>
#include <limits>

#include "pacer.hpp"
#include "pumps.hpp"
#include "signals.hpp"

namespace ringpipe_cmd {
namespace {

// How often a side waiting on the ring checks for a stop request. Longer than the library's liveness
// interval (200 ms): a wait that ends sooner never gets to check on the peer, so a dead one would go
// unnoticed.
constexpr std::chrono::milliseconds stop_check_interval{500};

// Waits for room in the ring, counting the time as the input side's wait on a full ring. False when
// the wait failed (ec) or a stop was requested.
bool wait_for_room(ringpipe::writer& ring, transfer_state& state, std::error_code& ec) {
  const wait_timer timer(state.counters.input_waited_ns);
  while (!state.stop_requested()) {
    if (ring.wait_for(stop_check_interval, ec)) return true;
    if (ec) return false;
  }
  return false;
}

void report(const fill_job& job, const std::error_code& read_error, const std::error_code& ring_error,
            transfer_state& state) {
  if (read_error && read_error != asio::error::eof)
    state.fail(exit_input_error, "input", job.input_spec, read_error);
  // A broken pipe on the middle ring means the output side gave up and said why already, unless
  // the ring is a shm: output, whose reader closed or died.
  if (ring_error == asio::error::broken_pipe && !job.ring_output_spec.empty())
    state.fail(exit_output_error, "output", job.ring_output_spec, "the ring's reader closed or died");
  else if (ring_error && ring_error != asio::error::broken_pipe)
    state.fail(job.ring_output_spec.empty() ? exit_failure : exit_output_error, "ring",
               job.ring_output_spec.empty() ? "buffer" : job.ring_output_spec, ring_error);
}

} // namespace

void fill_ring(const fill_job& job, transfer_state& state) {
  const input_interruptible interruptible;
  state.input_running(true);
  pacer pace(job.rate_limit);
  const std::size_t capacity = job.ring.capacity();
  std::error_code read_error;
  std::error_code ring_error;
  while (!state.stop_requested()) {
    const asio::mutable_buffer space = job.ring.prepare(std::numeric_limits<std::size_t>::max(), ring_error);
    if (ring_error) break;
    state.counters.note_fill(capacity - space.size());
    if (space.size() == 0) {
      if (!wait_for_room(job.ring, state, ring_error)) break;
      continue;
    }
    const std::size_t wanted = pace.limit(std::min(space.size(), job.block_size));
    const std::size_t n = job.source.read_some(asio::buffer(space.data(), wanted), read_error);
    if (read_error == std::errc::interrupted) {
      read_error.clear(); // a signal or a failed output: the loop's condition decides
      continue;
    }
    if (read_error) break;
    if (job.tap != nullptr) job.tap->add(space.data(), n);
    job.ring.commit(n, ring_error);
    if (ring_error) break;
    // relaxed: a statistic.
    state.counters.bytes_in.fetch_add(n, std::memory_order_relaxed);
    if (!job.ring_output_spec.empty()) state.counters.bytes_out.fetch_add(n, std::memory_order_relaxed);
    pace.pace(n);
  }
  state.input_running(false);
  report(job, read_error, ring_error, state);
  std::error_code ignored;
  job.ring.close(ignored);
  state.mark_input_ended();
}

} // namespace ringpipe_cmd
