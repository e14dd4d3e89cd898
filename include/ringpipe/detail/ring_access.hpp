// The plumbing of a ring that endpoints and ringpipe's own code need, and users do not: its shared
// header, data area and waiter slots, taking a role, the peer's whereabouts, and making a ring of any
// identity (queues use it). Tests that play a hostile peer reach the header here too.
#pragma once

#include <cstddef>
#include <string_view>
#include <system_error>

#include "ringpipe/core/cursors.hpp"
#include "ringpipe/core/layout.hpp"
#include "ringpipe/core/liveness.hpp"
#include "ringpipe/core/memory.hpp"
#include "ringpipe/ring.hpp"
#include "ringpipe/shared_ring.hpp"

namespace ringpipe::detail {

struct ring_access {
  // Wraps memory whose identity is already written and checked (by the functions that create rings
  // or attach to them).
  static ring make(core::ring_memory memory, const core::ring_identity& identity,
                   const wait_options& waiting);

  // A ring with the given identity (core/identity.hpp), in fresh memory of this process or as a named
  // object; create_ring and create_shared_ring are these for byte rings.
  static ring create(const core::ring_identity& identity, const ring_options& options);
  static ring create_shared(std::string_view name, const core::ring_identity& identity,
                            const shared_ring_options& options, std::error_code& ec);

  static const core::ring_identity& identity(const ring& r) noexcept { return r.identity(); }
  static core::ring_header& header(const ring& r) noexcept { return r.header(); }
  static std::byte* data(const ring& r) noexcept { return r.data(); }
  static core::waiter_slots& waiter_slots(const ring& r) noexcept { return r.waiter_slots(); }
  static const wait_options& waiting(const ring& r) noexcept { return r.waiting(); }
  static core::role_lease claim(const ring& r, core::role side) { return r.claim(side); }
  static bool peer_local(const ring& r, core::role side) noexcept { return r.peer_local(side); }
};

} // namespace ringpipe::detail
