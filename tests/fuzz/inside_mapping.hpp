// The check both fuzzers make of every span a call returns: it lies inside the ring's mapping (twice
// the capacity when mirrored), or the process aborts for libFuzzer to report.
#pragma once

#include <cstddef>
#include <cstdlib>

#include "ringpipe/detail/ring_access.hpp"
#include "ringpipe/ring.hpp"

namespace ringpipe::fuzz {

inline void check_inside(const ring& memory, const void* start, std::size_t size) {
  const auto* first = static_cast<const std::byte*>(start);
  const std::byte* area = detail::ring_access::data(memory);
  const std::size_t reach = memory.capacity() * (memory.mirrored() ? 2 : 1);
  if (size != 0 && (first < area || first + size > area + reach)) std::abort();
}

} // namespace ringpipe::fuzz
