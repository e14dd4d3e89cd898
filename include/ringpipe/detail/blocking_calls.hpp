// How a blocking call waits: an attempt, and a sleep on the ring's futex whenever it must wait, cut
// into slices to check on a peer in another process.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <system_error>

#include "ringpipe/core/cursors.hpp"
#include "ringpipe/core/liveness.hpp"
#include "ringpipe/core/platform.hpp"
#include "ringpipe/detail/attempts.hpp"
#include "ringpipe/detail/endpoint_state.hpp"
#include "ringpipe/detail/ring_access.hpp"
#include "ringpipe/error.hpp"
#include "ringpipe/wait_options.hpp"

namespace ringpipe::detail {

// Spins, then sleeps, until an attempt can make progress (or fail for good), waking every liveness
// interval to check on a peer in another process. Returns false when the deadline passed (ec clear),
// the shared state is corrupt or the peer died (ec set).
template <class State, class Wait>
bool sleep_until_ready(State& state, const core::deadline& until, std::error_code& ec, Wait&& wait) {
  ec.clear();
  state.counters.must_wait();
  const wait_options waiting = state.waiting();
  // A peer attached through the same ring object lives in this process: it cannot die alone, so
  // there is nothing to check and the sleep need not be cut into slices.
  const bool remote_peer = !ring_access::peer_local(state.ring_handle, State::side);
  for (;;) {
    const auto slice_end = std::chrono::steady_clock::now() + waiting.liveness_interval;
    const bool sliced = remote_peer && (!until || *until > slice_end);
    core::wait_report report;
    const core::wait_status status = wait(sliced ? core::deadline(slice_end) : until, waiting.spin, report);
    state.counters.waited(report);
    if (status == core::wait_status::timed_out && sliced) {
      if (state.peer_alive()) continue;
      ec = State::error_once_peer_died();
      return false;
    }
    if (status == core::wait_status::corrupt) ec = error::corrupt;
    return status == core::wait_status::ready || status == core::wait_status::closed;
  }
}

inline bool sleep_until_ready(writer_state& state, const core::deadline& until, std::error_code& ec) {
  return sleep_until_ready(state, until, ec,
                           [&](const core::deadline& d, auto spin, core::wait_report& report) {
                             return state.cursor.wait_writable(d, spin, report);
                           });
}

inline bool sleep_until_ready(reader_state& state, const core::deadline& until, std::error_code& ec) {
  return sleep_until_ready(state, until, ec,
                           [&](const core::deadline& d, auto spin, core::wait_report& report) {
                             return state.cursor.wait_readable(d, spin, report);
                           });
}

// write_some and read_some: an attempt, and a sleep whenever it must wait.
template <class ConstBufferSequence>
std::size_t blocking_write_some(writer_state& state, const ConstBufferSequence& buffers,
                                std::error_code& ec) {
  for (;;) {
    if (std::optional<std::size_t> written = try_write_some(state, buffers, ec)) return *written;
    if (!sleep_until_ready(state, {}, ec)) return 0;
  }
}

template <class MutableBufferSequence>
std::size_t blocking_read_some(reader_state& state, const MutableBufferSequence& buffers,
                               std::error_code& ec) {
  for (;;) {
    if (std::optional<std::size_t> read = try_read_some(state, buffers, ec)) return *read;
    if (!sleep_until_ready(state, {}, ec)) return 0;
  }
}

} // namespace ringpipe::detail
