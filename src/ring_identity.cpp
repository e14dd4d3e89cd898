#include "ringpipe/detail/ring_identity.hpp"

#include <new>
#include <stdexcept>
#include <string>

#include <unistd.h>

#include "ringpipe/error.hpp"

namespace ringpipe::detail {
namespace {

std::uint64_t page_size() noexcept { return static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE)); }

std::uint64_t rounded_capacity(std::uint64_t requested, const char* what) {
  const std::uint64_t rounded = core::ring_memory::round_capacity(requested);
  if (rounded == 0)
    throw std::invalid_argument(std::string("ringpipe: ") + what + " " + std::to_string(requested) +
                                " is invalid: it must be between 1 and " +
                                std::to_string(core::max_capacity) + " bytes");
  return rounded;
}

} // namespace

core::ring_identity byte_ring_identity(std::uint64_t capacity) {
  const std::uint64_t rounded = rounded_capacity(capacity, "capacity");
  return {core::ring_magic, core::layout_version, core::header_region_size, rounded, rounded, 1, 1};
}

core::ring_identity queue_identity(std::uint64_t elements, std::uint32_t size, std::uint32_t align) {
  if (elements == 0 || elements > core::max_capacity / size)
    throw std::invalid_argument("ringpipe: queue capacity " + std::to_string(elements) +
                                " is invalid: it must be between 1 and " +
                                std::to_string(core::max_capacity / size) + " elements");
  const std::uint64_t rounded = rounded_capacity(elements * size, "queue capacity in bytes");
  return {core::ring_magic,
          core::layout_version,
          core::header_region_size,
          rounded,
          elements * size,
          size,
          align};
}

void write_identity(core::ring_memory& memory, const core::ring_identity& identity) {
  // The memory is fresh and zero-filled: the atomics start at zero, only the identity needs writing.
  auto* header = new (memory.header()) core::ring_header{};
  header->identity = identity;
}

std::error_code check_identity(const core::ring_identity& identity, std::uint64_t object_size) noexcept {
  if (object_size < core::header_region_size || identity.magic != core::ring_magic) return error::not_a_ring;
  if (identity.version != core::layout_version) return error::version_mismatch;
  const std::uint64_t capacity = identity.capacity;
  const bool sizes_agree = identity.header_size == core::header_region_size && capacity != 0 &&
                           capacity <= core::max_capacity && capacity % page_size() == 0 &&
                           object_size == core::header_region_size + capacity && identity.fill_limit != 0 &&
                           identity.fill_limit <= capacity && identity.element_size != 0 &&
                           identity.fill_limit % identity.element_size == 0 && identity.element_align != 0 &&
                           (identity.element_align & (identity.element_align - 1)) == 0 &&
                           core::header_region_size % identity.element_align == 0;
  return sizes_agree ? std::error_code() : std::error_code(error::size_mismatch);
}

} // namespace ringpipe::detail
