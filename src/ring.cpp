#include "ringpipe/ring.hpp"

#include <new>
#include <stdexcept>
#include <string>
#include <system_error>

#include <unistd.h>

#include "ringpipe/core/identity.hpp"
#include "ringpipe/detail/ring_access.hpp"
#include "ringpipe/error.hpp"

namespace ringpipe {

struct ring::state {
  state(core::ring_memory ring_memory, const core::ring_identity& checked, const wait_options& wait)
      : memory(std::move(ring_memory)), header(reinterpret_cast<core::ring_header*>(memory.header())),
        identity(checked), waiting(wait) {}

  core::ring_memory memory;
  core::ring_header* header;
  core::ring_identity identity;
  wait_options waiting;
  // Atomics, changed through const handles: parking is not a change of the ring's identity. Roles
  // taken through this very state in this process share these slots, so their endpoints wake each
  // other's parked operations directly, without a relay thread, and fence for each other with membarrier.
  mutable core::waiter_slots slots{};
};

namespace {

std::atomic<std::int32_t>& process_of(core::waiter_slots& slots, core::role side) {
  return side == core::role::writer ? slots.writer_process : slots.reader_process;
}

core::role peer_of(core::role side) {
  return side == core::role::writer ? core::role::reader : core::role::writer;
}

} // namespace

bool ring::mirrored() const noexcept { return state_ && state_->memory.mirrored(); }
int ring::native_handle() const noexcept { return state_ ? state_->memory.file_descriptor() : -1; }
const core::ring_identity& ring::identity() const noexcept { return state_->identity; }
core::ring_header& ring::header() const noexcept { return *state_->header; }
std::byte* ring::data() const noexcept { return state_->memory.data(); }
core::waiter_slots& ring::waiter_slots() const noexcept { return state_->slots; }
const wait_options& ring::waiting() const noexcept { return state_->waiting; }

core::role_lease ring::claim(core::role side) const {
  core::role_lease lease(native_handle(), side);
  auto& attached = side == core::role::writer ? header().writer_attached : header().reader_attached;
  // acq_rel: the winner sees what the creator published; the exchange settles a race between two
  // would-be owners. The lease was taken first, so a peer that sees the flag also sees the lock.
  if (attached.exchange(1, std::memory_order_acq_rel) != 0)
    throw std::system_error(make_error_code(side == core::role::writer ? error::writer_already_attached
                                                                       : error::reader_already_attached));
  // relaxed: read by this role's own cursor, built next on this thread, and by the peer's cursor, for
  // which a stale 0 only means a full fence (see core::wake_peer).
  process_of(state_->slots, side).store(static_cast<std::int32_t>(::getpid()), std::memory_order_relaxed);
  return lease;
}

bool ring::peer_local(core::role side) const noexcept {
  // relaxed, both: only ids of processes that claimed a role through these slots, before this call
  // when the peer is in this process; a forked child's copy names its parent, never itself.
  const std::int32_t ours = process_of(state_->slots, side).load(std::memory_order_relaxed);
  return ours != 0 && process_of(state_->slots, peer_of(side)).load(std::memory_order_relaxed) == ours;
}

ring detail::ring_access::make(core::ring_memory memory, const core::ring_identity& identity,
                               const wait_options& waiting) {
  return ring(std::make_shared<const ring::state>(std::move(memory), identity, waiting));
}

ring create_ring(std::size_t capacity, ring_options options) {
  return detail::ring_access::create(core::byte_ring_identity(capacity), options);
}

ring detail::ring_access::create(const core::ring_identity& identity, const ring_options& options) {
  core::ring_memory memory =
      core::ring_memory::create(identity.capacity, options.mapping, options.prefault_pages);
  core::write_identity(memory, identity);
  return make(std::move(memory), identity, options.waiting);
}

} // namespace ringpipe
