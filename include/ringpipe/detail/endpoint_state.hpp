// The state behind an endpoint, and one non-blocking attempt of each of its operations. Blocking calls
// loop on an attempt and a sleep; asynchronous operations on an attempt and parking.
//
// The state is shared with pending asynchronous operations, so an operation in flight survives its
// endpoint being moved or destroyed (it then completes with asio::error::operation_aborted).
#pragma once

#include <atomic>
#include <cstddef>
#include <optional>
#include <system_error>

#include <asio/buffer.hpp>
#include <asio/error.hpp>

#include "ringpipe/core/platform.hpp"
#include "ringpipe/detail/endpoint_support.hpp"
#include "ringpipe/error.hpp"
#include "ringpipe/ring.hpp"

namespace ringpipe::detail {

template <class Cursor>
struct endpoint_state {
  explicit endpoint_state(ring ring_memory)
      : memory(std::move(ring_memory)), cursor(memory.header(), memory.waiter_slots()) {}

  ring memory;
  Cursor cursor;
  // Cleared by close(); an operation that resumes after that completes with operation_aborted.
  std::atomic<bool> open{true};
};

using writer_state = endpoint_state<core::producer>;
using reader_state = endpoint_state<core::consumer>;

// write_some without waiting: the number of bytes written (0 for empty buffers or with ec set), or
// nullopt when the ring is full.
template <class ConstBufferSequence>
std::optional<std::size_t> try_write_some(writer_state& state, const ConstBufferSequence& buffers,
                                          std::error_code& ec) {
  ec.clear();
  const std::size_t wanted = asio::buffer_size(buffers);
  if (wanted == 0) return 0;
  if (state.cursor.reader_closed()) {
    ec = asio::error::broken_pipe;
    return 0;
  }
  const core::region run = state.cursor.writable(wanted);
  if (state.cursor.corrupt()) {
    ec = error::corrupt;
    return 0;
  }
  if (run.size == 0) return std::nullopt;
  const std::size_t copied = asio::buffer_copy(ring_buffers(state.memory, run), buffers);
  state.cursor.commit(copied);
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
  const core::region run = state.cursor.readable(wanted);
  if (run.size != 0) {
    const std::size_t copied = asio::buffer_copy(buffers, ring_buffers(state.memory, run));
    state.cursor.consume(copied);
    return copied;
  }
  if (state.cursor.at_end()) {
    ec = asio::error::eof;
    return 0;
  }
  if (state.cursor.corrupt()) {
    ec = error::corrupt;
    return 0;
  }
  return std::nullopt;
}

// Whether the writer can write now: true, false (must wait), or true with ec set when it never will.
inline bool try_wait(writer_state& state, std::error_code& ec) {
  ec.clear();
  if (state.cursor.reader_closed()) {
    ec = asio::error::broken_pipe;
    return true;
  }
  const bool room = state.cursor.writable().size != 0;
  if (state.cursor.corrupt()) ec = error::corrupt;
  return room || ec;
}

// Whether the reader can read now: true, false (must wait), or true with ec set when it never will.
inline bool try_wait(reader_state& state, std::error_code& ec) {
  ec.clear();
  if (state.cursor.readable().size != 0) return true;
  if (state.cursor.at_end())
    ec = asio::error::eof;
  else if (state.cursor.corrupt())
    ec = error::corrupt;
  return static_cast<bool>(ec);
}

// Blocks until an attempt can make progress (or fail for good). Returns false when the deadline
// passed (ec clear) or the shared state is corrupt (ec set).
inline bool finish_sleep(core::wait_status status, std::error_code& ec) {
  ec = status == core::wait_status::corrupt ? std::error_code(error::corrupt) : std::error_code();
  return status == core::wait_status::ready || status == core::wait_status::closed;
}

inline bool sleep_until_ready(writer_state& state, const core::deadline& until, std::error_code& ec) {
  return finish_sleep(state.cursor.wait_writable(until), ec);
}

inline bool sleep_until_ready(reader_state& state, const core::deadline& until, std::error_code& ec) {
  return finish_sleep(state.cursor.wait_readable(until), ec);
}

} // namespace ringpipe::detail
