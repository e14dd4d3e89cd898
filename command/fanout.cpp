// Several outputs on one ring: a thread per output writes straight out of the same readable span,
// each at its own position; this thread (the feeder) consumes only what every output has written, so
// the slowest sets the pace and the ring's backpressure reaches the input.
#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "pacer.hpp"
#include "pumps.hpp"

namespace ringpipe_cmd {
namespace {

// While some output lags, the feeder wakes this often to publish newly committed bytes to the outputs
// that caught up: the reader's wait() cannot tell "more than I already saw" apart from "anything".
constexpr std::chrono::milliseconds lagging_poll{1};

class fanout {
public:
  fanout(const drain_job& job, transfer_state& state) : job_(job), state_(state) {
    for (const output& out : job.outputs)
      lanes_.push_back({&out});
  }

  void run() {
    std::vector<std::thread> threads;
    for (lane& l : lanes_)
      threads.emplace_back([this, &l] { serve(l); });
    wait_for_start(job_, state_);
    feed();
    for (std::thread& t : threads)
      t.join();
    report_ring_end(job_, ring_error_, state_);
    if (!failed_ && std::none_of(lanes_.begin(), lanes_.end(), [](const lane& l) { return l.active; }))
      state_.fail(exit_output_error, "output", "(all)", "every output failed");
    std::error_code ignored;
    job_.ring.close(ignored);
  }

private:
  struct lane {
    const output* out;
    std::uint64_t done = 0; // stream position this output has written up to
    bool active = true;
  };

  void feed() {
    std::unique_lock lock(mutex_);
    while (!failed_ && std::any_of(lanes_.begin(), lanes_.end(), [](const lane& l) { return l.active; })) {
      if (!publish()) break;
      if (slowest() == published_end_) {
        lock.unlock();
        std::error_code ec;
        const bool more = wait_for_data(job_, state_, ec);
        lock.lock();
        if (!more) {
          ring_error_ = ec;
          break;
        }
      } else {
        progress_.wait_for(lock, lagging_poll);
      }
    }
    ended_ = true;
    data_ready_.notify_all();
  }

  std::uint64_t slowest() const {
    std::uint64_t lowest = published_end_;
    for (const lane& l : lanes_)
      if (l.active) lowest = std::min(lowest, l.done);
    return lowest;
  }

  // Under the lock: releases what every output wrote, then publishes everything readable.
  bool publish() {
    const std::uint64_t written = slowest();
    if (written > consumed_) {
      const std::size_t n = static_cast<std::size_t>(written - consumed_);
      if (job_.tap != nullptr) job_.tap->add(front_, n);
      job_.ring.consume(n, ring_error_);
      if (ring_error_) return false;
      consumed_ = written;
      // relaxed: a statistic.
      state_.counters.bytes_out.store(consumed_, std::memory_order_relaxed);
      if (!job_.ring_input_spec.empty()) state_.counters.bytes_in.store(consumed_, std::memory_order_relaxed);
    }
    const asio::const_buffer readable = job_.ring.data(ring_error_);
    if (ring_error_) return false;
    state_.counters.note_fill(readable.size());
    front_ = static_cast<const std::byte*>(readable.data());
    if (consumed_ + readable.size() > published_end_) {
      published_end_ = consumed_ + readable.size();
      data_ready_.notify_all();
    }
    return true;
  }

  void serve(lane& l) {
    pacer pace(job_.rate_limit);
    std::error_code ec;
    std::unique_lock lock(mutex_);
    for (;;) {
      data_ready_.wait(lock, [&] { return l.done < published_end_ || ended_ || failed_; });
      if (failed_ || l.done == published_end_) break;
      // The span from l.done on is not consumed before this lane reports having written it.
      const std::byte* from = front_ + (l.done - consumed_);
      const std::size_t size = pace.limit(std::min<std::uint64_t>(published_end_ - l.done, job_.block_size));
      lock.unlock();
      const std::size_t n = l.out->sink.write_some(asio::buffer(from, size), ec);
      pace.pace(n);
      lock.lock();
      if (ec) break;
      l.done += n;
      progress_.notify_one();
    }
    if (ec) {
      l.active = false;
      if (!report_output_failure(job_, *l.out, ec, state_)) failed_ = true;
      data_ready_.notify_all(); // in fail mode, the other outputs stop too
      progress_.notify_one();
      return;
    }
    lock.unlock();
    l.out->sink.finish(ec);
    if (ec) state_.fail(exit_output_error, "output", l.out->spec, ec);
  }

  const drain_job& job_;
  transfer_state& state_;
  std::vector<lane> lanes_;
  std::mutex mutex_;
  std::condition_variable data_ready_; // outputs wait here for bytes, the end, or a failure
  std::condition_variable progress_;   // the feeder waits here for an output's progress
  std::uint64_t consumed_ = 0;         // stream position of the ring's first readable byte
  std::uint64_t published_end_ = 0;    // stream position up to which outputs may write
  const std::byte* front_ = nullptr;   // ring memory at consumed_
  bool ended_ = false;                 // nothing more will be published
  bool failed_ = false;                // an output failed with --on-output-error=fail
  std::error_code ring_error_;
};

} // namespace

void drain_ring_to_all(const drain_job& job, transfer_state& state) { fanout(job, state).run(); }

} // namespace ringpipe_cmd
