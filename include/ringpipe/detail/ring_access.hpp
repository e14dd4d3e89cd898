// The plumbing of a ring that endpoints and ringpipe's own code need, and users do not: its shared
// header, data area and waiter slots, taking a role, and the peer's whereabouts. Tests that play a
// hostile peer reach the header here too.
#pragma once

#include <cstddef>

#include "ringpipe/core/cursors.hpp"
#include "ringpipe/core/layout.hpp"
#include "ringpipe/core/liveness.hpp"
#include "ringpipe/core/memory.hpp"
#include "ringpipe/ring.hpp"

namespace ringpipe::detail {

struct ring_access {
  // Wraps memory whose identity is already written and checked (by the functions that create rings
  // or attach to them).
  static ring make(core::ring_memory memory, const core::ring_identity& identity);

  static const core::ring_identity& identity(const ring& r) noexcept { return r.identity(); }
  static core::ring_header& header(const ring& r) noexcept { return r.header(); }
  static std::byte* data(const ring& r) noexcept { return r.data(); }
  static core::waiter_slots& waiter_slots(const ring& r) noexcept { return r.waiter_slots(); }
  static core::role_lease claim(const ring& r, core::role side) { return r.claim(side); }
  static bool peer_local(const ring& r, core::role side) noexcept { return r.peer_local(side); }
  static bool peer_alive(const ring& r, core::role side, const core::role_lease& lease) noexcept {
    return r.peer_alive(side, lease);
  }
};

} // namespace ringpipe::detail
