// One non-blocking attempt of each byte operation of an endpoint: where a write or a read can go now,
// write_some and read_some without waiting, and whether a wait would return at once. Each says
// "not now" (nullopt or false) without an error, or fails for good with one.
#pragma once

#include <cstddef>
#include <optional>
#include <system_error>

#include <asio/buffer.hpp>
#include <asio/error.hpp>

#include "ringpipe/core/cursors.hpp"
#include "ringpipe/detail/endpoint_state.hpp"
#include "ringpipe/detail/endpoint_support.hpp"
#include "ringpipe/error.hpp"

namespace ringpipe::detail {

// Where a write of up to `wanted` (> 0) bytes goes now: the free run; nullopt when the ring is full;
// an empty run with ec set when no write will ever succeed.
inline std::optional<core::region> writable_run(writer_state& state, std::size_t wanted,
                                                std::error_code& ec) {
  if (state.cursor.reader_closed()) {
    ec = asio::error::broken_pipe;
    return core::region{};
  }
  const core::region run = state.cursor.writable(wanted);
  if (state.cursor.corrupt()) {
    ec = error::corrupt;
    return core::region{};
  }
  if (run.size != 0) return run;
  // relaxed: set by this endpoint's own wait (see peer_alive).
  if (!state.peer_dead.load(std::memory_order_relaxed)) return std::nullopt;
  ec = writer_state::error_once_peer_died();
  return core::region{};
}

// Where a read of up to `wanted` (> 0) bytes comes from now: the committed run; nullopt when the ring
// is empty and the writer still open; an empty run with ec set (eof included) when no read will ever
// return data.
inline std::optional<core::region> readable_run(reader_state& state, std::size_t wanted,
                                                std::error_code& ec) {
  const core::region run = state.cursor.readable(wanted);
  if (run.size != 0) return run;
  if (state.cursor.at_end())
    ec = asio::error::eof;
  else if (state.cursor.corrupt())
    ec = error::corrupt;
  // relaxed: set by this endpoint's own wait (see peer_alive).
  else if (state.peer_dead.load(std::memory_order_relaxed))
    ec = reader_state::error_once_peer_died();
  else
    return std::nullopt;
  return core::region{};
}

// write_some without waiting: the number of bytes written (0 for empty buffers or with ec set), or
// nullopt when the ring is full.
template <class ConstBufferSequence>
std::optional<std::size_t> try_write_some(writer_state& state, const ConstBufferSequence& buffers,
                                          std::error_code& ec) {
  ec.clear();
  const std::size_t wanted = asio::buffer_size(buffers);
  if (wanted == 0) return 0;
  const std::optional<core::region> run = writable_run(state, wanted, ec);
  if (!run) return std::nullopt;
  const std::size_t copied = asio::buffer_copy(ring_buffers(state.area, *run), buffers);
  state.prepared = 0;
  if (copied != 0) state.counters.moved(copied, state.cursor.commit(copied));
  return copied;
}

// read_some without waiting: the number of bytes read (0 for empty buffers or with ec set, eof
// included), or nullopt when the ring is empty and the writer still open.
template <class MutableBufferSequence>
std::optional<std::size_t> try_read_some(reader_state& state, const MutableBufferSequence& buffers,
                                         std::error_code& ec) {
  ec.clear();
  const std::size_t wanted = asio::buffer_size(buffers);
  if (wanted == 0) return 0;
  const std::optional<core::region> run = readable_run(state, wanted, ec);
  if (!run) return std::nullopt;
  const std::size_t copied = asio::buffer_copy(buffers, ring_buffers(state.area, *run));
  if (copied != 0) state.counters.moved(copied, state.cursor.consume(copied));
  return copied;
}

// Whether the writer can write now: true, false (must wait), or true with ec set when it never will.
inline bool try_wait(writer_state& state, std::error_code& ec) {
  ec.clear();
  return writable_run(state, 1, ec).has_value();
}

// Whether the reader can read now: true, false (must wait), or true with ec set when it never will.
inline bool try_wait(reader_state& state, std::error_code& ec) {
  ec.clear();
  return readable_run(state, 1, ec).has_value();
}

} // namespace ringpipe::detail
