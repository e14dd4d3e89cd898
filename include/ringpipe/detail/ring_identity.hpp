// Making and checking a ring's identity (core::ring_identity): what creating and attaching share.
#pragma once

#include <cstdint>
#include <string_view>
#include <system_error>

#include "ringpipe/core/layout.hpp"
#include "ringpipe/core/memory.hpp"
#include "ringpipe/ring.hpp"
#include "ringpipe/shared_ring.hpp"

namespace ringpipe::detail {

// The identity of a byte ring of at least `capacity` bytes. Throws std::invalid_argument naming the
// value when it is 0 or above core::max_capacity.
core::ring_identity byte_ring_identity(std::uint64_t capacity);

// The identity of a queue of `elements` elements of `size` bytes aligned to `align`.
core::ring_identity queue_identity(std::uint64_t elements, std::uint32_t size, std::uint32_t align);

// Writes the identity into fresh (zero-filled) memory, before any peer can see it.
void write_identity(core::ring_memory& memory, const core::ring_identity& identity);

// Checks an identity read from an object of `object_size` bytes: error::not_a_ring,
// version_mismatch or size_mismatch, or no error.
std::error_code check_identity(const core::ring_identity& identity, std::uint64_t object_size) noexcept;

// Creates a ring (private memfd, or named) with the given identity; see create_ring and
// create_shared_ring, which call these for byte rings.
ring create_ring_with(const core::ring_identity& identity, const ring_options& options);
ring create_shared_ring_with(std::string_view name, const core::ring_identity& identity,
                             const shared_ring_options& options, std::error_code& ec);

} // namespace ringpipe::detail
