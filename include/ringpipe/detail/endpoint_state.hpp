// The state behind an endpoint, and one non-blocking attempt of each of its operations. Blocking calls
// loop on an attempt and a sleep; asynchronous operations on an attempt and parking.
//
// The state is shared with pending asynchronous operations, so an operation in flight survives its
// endpoint being moved or destroyed (it then completes with asio::error::operation_aborted).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <system_error>
#include <type_traits>

#include <asio/buffer.hpp>
#include <asio/error.hpp>

#include "ringpipe/core/parked_sweeper.hpp"
#include "ringpipe/core/parked_watcher.hpp"
#include "ringpipe/core/platform.hpp"
#include "ringpipe/detail/endpoint_support.hpp"
#include "ringpipe/detail/operation_memory.hpp"
#include "ringpipe/detail/ring_access.hpp"
#include "ringpipe/error.hpp"
#include "ringpipe/ring.hpp"

namespace ringpipe::detail {

// Aligned, and so padded, to whole pairs of cache lines: the writer's and the reader's states are often
// allocated back to back, and each thread writes its own cursor on every operation.
template <class Cursor>
struct alignas(core::cache_line_stride) endpoint_state {
  static constexpr core::role side =
      std::is_same_v<Cursor, core::producer> ? core::role::writer : core::role::reader;

  // Takes the role (see ring::claim). The cursor reads its geometry from shared memory; if that no
  // longer matches what was checked when attaching, a peer is tampering: refuse.
  explicit endpoint_state(ring ring_memory)
      : memory(std::move(ring_memory)), lease(ring_access::claim(memory, side)),
        cursor(ring_access::header(memory), ring_access::waiter_slots(memory)) {
    if (cursor.capacity() != memory.capacity() || cursor.fill_limit() != memory.fill_limit())
      throw std::system_error(make_error_code(error::corrupt));
  }

  // What this side reports once its peer's process died: the reader (after draining) peer_dead, the
  // writer broken_pipe, as for a reader that closed.
  static std::error_code error_once_peer_died() noexcept {
    if (side == core::role::reader) return error::peer_dead;
    return asio::error::broken_pipe;
  }

  // Checks on the peer (a system call: only for a side that is already waiting). Sticky.
  bool peer_alive() {
    // relaxed: a flag this endpoint's own calls set and read; the kernel's lock state is the truth.
    if (peer_dead.load(std::memory_order_relaxed)) return false;
    if (ring_access::peer_alive(memory, side, lease)) return true;
    peer_dead.store(true, std::memory_order_relaxed);
    return false;
  }

  // After an operation parked: a peer that does not share our waiter slots (another process, or
  // another handle on the ring) can only wake it through a watcher (see core/parked_watcher.hpp).
  void watch_parked() {
    if (ring_access::peer_local(memory, side)) return;
    if (!watcher) {
      core::waiter_slots& slots = ring_access::waiter_slots(memory);
      core::ring_header& header = ring_access::header(memory);
      watcher = std::make_unique<core::parked_watcher>(
          side == core::role::writer ? header.writer_sleep : header.reader_sleep,
          side == core::role::writer ? slots.writer : slots.reader,
          [this] { return ring_access::peer_alive(memory, side, lease); },
          // relaxed: the operation woken right after reads it on its own thread, after a post.
          [this] { peer_dead.store(true, std::memory_order_relaxed); });
    }
    watcher->arm();
  }

  ring memory;
  data_area area{memory};
  core::role_lease lease;
  Cursor cursor;
  // The bounded recheck of this side's parked operations (see core/parked_sweeper.hpp).
  core::parked_side parking{ring_access::header(memory), side, memory.fill_limit(),
                            side == core::role::writer ? ring_access::waiter_slots(memory).writer
                                                       : ring_access::waiter_slots(memory).reader};
  // The writer's bytes that commit() may still publish: what the last prepare() returned, less what
  // was committed since; every other write voids it. Unused by the reader.
  std::size_t prepared = 0;
  // Whether an asynchronous operation of this endpoint is parked or about to resume: its side has one
  // waiter slot, so a second one is refused (asio::error::in_progress) rather than take its place.
  std::atomic<bool> operation_outstanding{false};
  // The memory that operation takes when its handler brings no allocator of its own.
  operation_memory operation_blocks;
  // Cleared by close(); an operation that resumes after that completes with operation_aborted.
  std::atomic<bool> open{true};
  std::atomic<bool> peer_dead{false};
  // Last: stopped (and joined) before the members it uses go away.
  std::unique_ptr<core::parked_watcher> watcher;
};

using writer_state = endpoint_state<core::producer>;
using reader_state = endpoint_state<core::consumer>;

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
  if (copied != 0) state.cursor.commit(copied);
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
  if (copied != 0) state.cursor.consume(copied);
  return copied;
}

// Where one whole element of `size` bytes starts in `run` (from writable_run or readable_run), or
// nullopt: none there yet, or ec set. A queue's positions move by whole elements, so a non-empty run
// shorter than one element means the peer broke the queue: error::corrupt.
inline std::optional<std::size_t> offset_of_whole_element(const std::optional<core::region>& run,
                                                          std::size_t size, std::error_code& ec) {
  if (!run || ec) return std::nullopt;
  if (run->size < size) {
    ec = error::corrupt;
    return std::nullopt;
  }
  return run->offset;
}

// One element of a queue, written whole or not at all: true when written; false when the ring is full
// or, with ec set, when no write will ever succeed (error::corrupt for part of an element's room).
inline bool try_write_element(writer_state& state, const void* element, std::size_t size,
                              std::error_code& ec) {
  ec.clear();
  const std::optional<std::size_t> offset = offset_of_whole_element(writable_run(state, size, ec), size, ec);
  if (!offset) return false;
  copy_into_ring(state.area, *offset, element, size);
  state.prepared = 0;
  state.cursor.commit(size);
  return true;
}

// The same for reading: true when an element was read into `element`.
inline bool try_read_element(reader_state& state, void* element, std::size_t size, std::error_code& ec) {
  ec.clear();
  const std::optional<std::size_t> offset = offset_of_whole_element(readable_run(state, size, ec), size, ec);
  if (!offset) return false;
  copy_out_of_ring(state.area, *offset, element, size);
  state.cursor.consume(size);
  return true;
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

// Sleeps until an attempt can make progress (or fail for good), waking every liveness_interval to
// check on a peer in another process. Returns false when the deadline passed (ec clear), the shared
// state is corrupt or the peer died (ec set).
template <class State, class Wait>
bool sleep_until_ready(State& state, const core::deadline& until, std::error_code& ec, Wait&& wait) {
  ec.clear();
  // A peer attached through the same ring object lives in this process: it cannot die alone, so
  // there is nothing to check and the sleep need not be cut into slices.
  const bool remote_peer = !ring_access::peer_local(state.memory, State::side);
  for (;;) {
    const auto slice_end = std::chrono::steady_clock::now() + core::liveness_interval;
    const bool sliced = remote_peer && (!until || *until > slice_end);
    const core::wait_status status = wait(sliced ? core::deadline(slice_end) : until);
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
                           [&](const core::deadline& d) { return state.cursor.wait_writable(d); });
}

inline bool sleep_until_ready(reader_state& state, const core::deadline& until, std::error_code& ec) {
  return sleep_until_ready(state, until, ec,
                           [&](const core::deadline& d) { return state.cursor.wait_readable(d); });
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
