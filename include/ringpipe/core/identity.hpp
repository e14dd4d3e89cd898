// A ring's identity (core::ring_identity, the first line of its header): making one for a byte ring or
// a queue, writing it into fresh memory, and checking one read from an object a peer may have forged.
// Creating and attaching share these, so each rule is written once.
#pragma once

#include <cstdint>

#include "ringpipe/core/layout.hpp"
#include "ringpipe/core/memory.hpp"

namespace ringpipe::core {

// The identity of a byte ring of at least `capacity` bytes. Throws std::invalid_argument naming the
// value when it is 0 or above max_capacity.
ring_identity byte_ring_identity(std::uint64_t capacity);

// The identity of a queue of `elements` elements of `size` bytes aligned to `align`. Throws
// std::invalid_argument naming the value when the queue would hold none or more than max_capacity bytes.
ring_identity queue_identity(std::uint64_t elements, std::uint32_t size, std::uint32_t align);

// Writes the identity into fresh (zero-filled) memory, before any peer can see it.
void write_identity(ring_memory& memory, const ring_identity& identity);

// What is wrong with an identity read from an object, if anything (the public layer maps each to its
// error code).
enum class identity_fault {
  none,
  not_a_ring,       // too small for a header, or no ringpipe magic
  version_mismatch, // another layout version
  size_mismatch,    // sizes that disagree with each other or with the object's size
};

// Checks an identity read from an object of `object_size` bytes; never trusts any of its fields.
identity_fault check_identity(const ring_identity& identity, std::uint64_t object_size) noexcept;

} // namespace ringpipe::core
