// A ring: the memory both endpoints work on. A cheap, copyable handle; the memory lives until the last
// handle (and the last endpoint built on it) goes away. Rings come from create_ring (private to this
// process, unless its descriptor is passed on), and from create_shared_ring / open_shared_ring /
// open_ring (shared_ring.hpp) across processes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "ringpipe/core/layout.hpp"
#include "ringpipe/core/liveness.hpp"
#include "ringpipe/core/memory.hpp"
#include "ringpipe/core/platform.hpp"
#include "ringpipe/mapping_mode.hpp"
#include "ringpipe/wait_options.hpp"

/// ringpipe's public API: everything outside `detail` and `core`, which are its own.
namespace ringpipe {

namespace detail {
struct ring_access;
} // namespace detail

/// How create_ring and open_ring map a ring.
struct ring_options {
  /// Mirrored (every run one span) when the system allows it, by default; see mapping_mode.
  mapping_mode mapping = mapping_mode::automatic;
  /// How endpoints built on this handle (and its copies) wait, unless set on one endpoint.
  wait_options waiting{};
  /// Reads every page of a ring made in this process (create_ring, make_pipe, make_queue) before
  /// handing it out. Its pages are always mapped writable up front; this also takes, at creation, the
  /// trap that a hypervisor building its own page tables charges for each page's first access (about
  /// 5 µs a page on the benchmarks' virtual machine: 1.3 ms per MiB at creation, instead of 5 ns per
  /// 4-byte push on a fresh queue's first pass). Off by default: elsewhere it costs creation time for
  /// nothing. Named rings are mapped, never touched, by this option.
  bool prefault_pages = false;
};

/// The memory both endpoints of a ring work on: a cheap, copyable handle. The memory lives until the
/// last handle, and the last endpoint built on it, goes away. A ring hands out its writer role and its
/// reader role once each: build one basic_writer (or queue sender) and one basic_reader (or queue
/// receiver) on it, in this process or, for a shared ring, in another.
class ring {
public:
  /// An empty handle; endpoints cannot be built on it.
  ring() noexcept = default;

  /// The usable size of the data area in bytes: the requested capacity rounded up to the page size.
  std::size_t capacity() const noexcept { return state_ ? identity().capacity : 0; }

  /// The most bytes the ring holds at once: the capacity for a byte ring, a whole number of elements
  /// for a queue.
  std::size_t fill_limit() const noexcept { return state_ ? identity().fill_limit : 0; }

  /// Whether every readable/writable run is one contiguous span (see mapping_mode).
  bool mirrored() const noexcept;

  /// The ring's file descriptor (a memfd or POSIX shared-memory object), owned by the ring: pass it to
  /// another process (over a UNIX socket) and attach there with open_ring.
  int native_handle() const noexcept;

  /// Whether this handle holds a ring.
  explicit operator bool() const noexcept { return state_ != nullptr; }

private:
  /// The plumbing endpoints need, reached through detail::ring_access (detail/ring_access.hpp).
  friend struct detail::ring_access;
  struct state;

  explicit ring(std::shared_ptr<const state> state) noexcept : state_(std::move(state)) {}

  /// The identity as validated when this process created or attached to the ring. The copy in shared
  /// memory is not trusted after that.
  const core::ring_identity& identity() const noexcept;

  /// The header, the first byte of the data area, this process's waiter slots.
  core::ring_header& header() const noexcept;
  std::byte* data() const noexcept;
  core::waiter_slots& waiter_slots() const noexcept;
  /// How endpoints built on this handle wait by default.
  const wait_options& waiting() const noexcept;

  /// Takes a role, which a ring hands out once. Throws std::system_error with
  /// error::writer_already_attached / error::reader_already_attached.
  core::role_lease claim(core::role side) const;

  /// Whether the peer of `side` attached through this same ring handle (or a copy of it) in this
  /// process, so that both endpoints share this process's waiter slots. `side` must be claimed.
  bool peer_local(core::role side) const noexcept;

  std::shared_ptr<const state> state_;
};

/// Creates a ring in fresh memory (a memfd). `capacity` is in bytes, rounded up to the page size.
/// Throws std::invalid_argument naming the value when it is 0 or above core::max_capacity, and
/// std::system_error when the system refuses the memory.
ring create_ring(std::size_t capacity, ring_options options = {});

} // namespace ringpipe
