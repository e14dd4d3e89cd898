// The state behind an endpoint: its ring and role, its cursor, its peer's liveness, and what its
// asynchronous operations share. One non-blocking attempt of each operation is in attempts.hpp (bytes)
// and element_attempts.hpp (a queue's elements); blocking calls loop on an attempt and a sleep
// (blocking_calls.hpp), asynchronous operations on an attempt and parking (pending_operation.hpp).
//
// The state is shared with pending asynchronous operations, so an operation in flight survives its
// endpoint being moved or destroyed (it then completes with asio::error::operation_aborted).
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <system_error>
#include <type_traits>

#include <asio/error.hpp>

#include "ringpipe/core/cursors.hpp"
#include "ringpipe/core/liveness.hpp"
#include "ringpipe/core/lost_wake_sweeper.hpp"
#include "ringpipe/core/remote_wake_thread.hpp"
#include "ringpipe/detail/endpoint_counters.hpp"
#include "ringpipe/detail/endpoint_support.hpp"
#include "ringpipe/detail/operation_memory.hpp"
#include "ringpipe/detail/ring_access.hpp"
#include "ringpipe/error.hpp"
#include "ringpipe/ring.hpp"
#include "ringpipe/wait_options.hpp"

namespace ringpipe::detail {

// Aligned, and so padded, to whole pairs of cache lines: the writer's and the reader's states are often
// allocated back to back, and each thread writes its own cursor on every operation.
template <class Cursor>
struct alignas(core::cache_line_stride) endpoint_state {
  static constexpr core::role side =
      std::is_same_v<Cursor, core::producer> ? core::role::writer : core::role::reader;

  // Takes the role (see ring::claim). The cursor reads its geometry from shared memory; if that no
  // longer matches what was checked when attaching, a peer is tampering: refuse.
  explicit endpoint_state(ring handle)
      : ring_handle(std::move(handle)), lease(ring_access::claim(ring_handle, side)),
        cursor(ring_access::header(ring_handle), ring_access::waiter_slots(ring_handle)) {
    if (cursor.capacity() != ring_handle.capacity() || cursor.fill_limit() != ring_handle.fill_limit())
      throw std::system_error(make_error_code(error::corrupt));
    set_waiting(ring_access::waiting(ring_handle));
  }

  // How this side waits: the ring handle's options until set_waiting().
  wait_options waiting() const noexcept {
    // relaxed, both: settings, not a publication; a wait uses whichever value it reads.
    return {std::chrono::nanoseconds(spin_nanoseconds.load(std::memory_order_relaxed)),
            std::chrono::milliseconds(liveness_milliseconds.load(std::memory_order_relaxed))};
  }

  void set_waiting(const wait_options& options) noexcept {
    // relaxed, both: see waiting(). A liveness interval under 1 ms would make a waiting side spin on
    // system calls: it is raised to 1 ms.
    spin_nanoseconds.store(std::max<std::int64_t>(0, options.spin.count()), std::memory_order_relaxed);
    liveness_milliseconds.store(std::max<std::int64_t>(1, options.liveness_interval.count()),
                                std::memory_order_relaxed);
  }

  endpoint_statistics statistics() const noexcept {
    return counters.snapshot(bytes_moved(), element_size, sweep_entry.late_wakeups());
  }

  // How far this side's position moved since it took its role: every byte it wrote (read) went through
  // a commit (consume) of it. Read from the header, where only this side stores it, rather than from the
  // cursor, which another thread may not read while this side moves data.
  std::uint64_t bytes_moved() const noexcept {
    const core::ring_header& header = ring_access::header(ring_handle);
    // relaxed: a count, not a publication: any value this side stored will do.
    const std::uint64_t position = side == core::role::writer
                                       ? header.write_position.load(std::memory_order_relaxed)
                                       : header.read_position.load(std::memory_order_relaxed);
    // A peer that tampers with our position gets no wrapped-around count.
    return position >= first_position ? position - first_position : 0;
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
    if (core::peer_alive(ring_access::header(ring_handle), side, lease)) return true;
    peer_dead.store(true, std::memory_order_relaxed);
    return false;
  }

  // After an operation parked: a peer that does not share our waiter slots (another process, or
  // another handle on the ring) can only wake it through a relay thread (see core/remote_wake_thread.hpp).
  void relay_remote_wakes() {
    if (ring_access::peer_local(ring_handle, side)) return;
    if (!remote_wakes) {
      core::waiter_slots& slots = ring_access::waiter_slots(ring_handle);
      core::ring_header& header = ring_access::header(ring_handle);
      remote_wakes = std::make_unique<core::remote_wake_thread>(
          side == core::role::writer ? header.writer_sleep : header.reader_sleep,
          side == core::role::writer ? slots.writer : slots.reader,
          [this] { return core::peer_alive(ring_access::header(ring_handle), side, lease); },
          // relaxed: the operation woken right after reads it on its own thread, after a post.
          [this] { peer_dead.store(true, std::memory_order_relaxed); }, waiting().liveness_interval);
    }
    remote_wakes->arm();
  }

  ring ring_handle;
  data_area area{ring_handle};
  core::role_lease lease;
  Cursor cursor;
  // The position this side started from (see bytes_moved).
  const std::uint64_t first_position = cursor.position();
  // What a queue's one-element operation moves, for counting them (see endpoint_counters); 1 for bytes.
  const std::uint64_t element_size =
      std::max<std::uint64_t>(1, ring_access::identity(ring_handle).element_size);
  // The bounded recheck of this side's parked operations (see core/lost_wake_sweeper.hpp).
  core::sweeper_entry sweep_entry{ring_access::header(ring_handle), side, ring_handle.fill_limit(),
                                  side == core::role::writer ? ring_access::waiter_slots(ring_handle).writer
                                                             : ring_access::waiter_slots(ring_handle).reader};
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
  // See waiting(): atomics, as an operation resuming on another thread reads them.
  std::atomic<std::int64_t> spin_nanoseconds{0};
  std::atomic<std::int64_t> liveness_milliseconds{1};
  endpoint_counters counters;
  // Last: stopped (and joined) before the members it uses go away.
  std::unique_ptr<core::remote_wake_thread> remote_wakes;
};

using writer_state = endpoint_state<core::producer>;
using reader_state = endpoint_state<core::consumer>;

} // namespace ringpipe::detail
