#include <chrono>
#include <thread>

#include "pacer.hpp"
#include "pumps.hpp"

namespace ringpipe_cmd {
namespace {

// How often a side waiting on the ring checks for a stop request. Longer than the library's liveness
// interval (200 ms): a wait that ends sooner never gets to check on the peer, so a dead one would go
// unnoticed.
constexpr std::chrono::milliseconds stop_check_interval{500};

} // namespace

bool wait_for_data(const drain_job& job, transfer_state& state, std::error_code& ec) {
  const wait_timer timer(state.counters.output_waited_ns);
  for (;;) {
    if (job.ring.wait_for(stop_check_interval, ec)) return true;
    if (ec) return false;
    if (!job.ring_input_spec.empty() && state.stop_requested()) return false;
  }
}

void report_ring_end(const drain_job& job, const std::error_code& ec, transfer_state& state) {
  if (!ec || ec == asio::error::eof) return;
  if (!job.ring_input_spec.empty())
    state.fail(exit_input_error, "input", job.ring_input_spec, ec);
  else
    state.fail(exit_failure, "ring", "buffer", ec);
}

void wait_for_start(const drain_job& job, const transfer_state& state) {
  if (job.start_fill == 0) return;
  std::error_code ec;
  while (!state.stop_requested() && !job.input_ended()) {
    const asio::const_buffer readable = job.ring.data(ec);
    if (ec || readable.size() >= job.start_fill) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

bool report_output_failure(const drain_job& job, const output& failed, const std::error_code& ec,
                           transfer_state& state) {
  if (job.drop_failed_outputs && job.outputs.size() > 1) {
    state.warn("output", failed.spec, ec.message() + " (dropped; the others go on)");
    return true;
  }
  state.fail(exit_output_error, "output", failed.spec, ec);
  return false;
}

void drain_ring(const drain_job& job, transfer_state& state) {
  wait_for_start(job, state);
  const output& out = job.outputs.front();
  pacer pace(job.rate_limit);
  std::error_code ring_error;
  std::error_code write_error;
  for (;;) {
    const asio::const_buffer readable = job.ring.data(ring_error);
    if (ring_error) break;
    state.counters.note_fill(readable.size());
    if (readable.size() == 0) {
      if (!wait_for_data(job, state, ring_error)) break;
      continue;
    }
    const std::size_t wanted = pace.limit(std::min(readable.size(), job.block_size));
    const std::size_t n = out.sink.write_some(asio::buffer(readable.data(), wanted), write_error);
    if (write_error) break;
    if (job.tap != nullptr) job.tap->add(readable.data(), n);
    job.ring.consume(n, ring_error);
    if (ring_error) break;
    // relaxed: a statistic.
    state.counters.bytes_out.fetch_add(n, std::memory_order_relaxed);
    if (!job.ring_input_spec.empty()) state.counters.bytes_in.fetch_add(n, std::memory_order_relaxed);
    pace.pace(n);
  }
  report_ring_end(job, ring_error, state);
  if (write_error) {
    report_output_failure(job, out, write_error, state);
  } else {
    out.sink.finish(write_error);
    if (write_error) state.fail(exit_output_error, "output", out.spec, write_error);
  }
  std::error_code ignored;
  job.ring.close(ignored);
}

} // namespace ringpipe_cmd
