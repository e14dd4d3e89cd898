// Creating rings: capacities, the header's identity, the mirrored and split mappings, roles.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include <linux/membarrier.h>
#include <sys/syscall.h>

#include "ringpipe/detail/ring_access.hpp"
#include "ringpipe/error.hpp"
#include "ringpipe/ring.hpp"

using ringpipe::create_ring;
using ringpipe::mapping_mode;

namespace {
const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

TEST_CASE("a zero capacity is refused with std::invalid_argument naming it") {
  try {
    create_ring(0);
    FAIL("no exception");
  } catch (const std::invalid_argument& e) {
    CHECK_THAT(e.what(), Catch::Contains("capacity 0 "));
  }
}

TEST_CASE("a capacity above the documented maximum is refused, naming it") {
  const std::size_t too_big = ringpipe::core::max_capacity + 1;
  try {
    create_ring(too_big);
    FAIL("no exception");
  } catch (const std::invalid_argument& e) {
    CHECK_THAT(e.what(), Catch::Contains(std::to_string(too_big)));
  }
}

TEST_CASE("capacity is rounded up to the page size and reported as it really is") {
  CHECK(create_ring(1).capacity() == page);
  CHECK(create_ring(page).capacity() == page);
  CHECK(create_ring(page + 1).capacity() == 2 * page);
}

TEST_CASE("the header carries magic, layout version and capacity") {
  const auto ring = create_ring(3 * page);
  const ringpipe::core::ring_identity& identity = ringpipe::detail::ring_access::header(ring).identity;
  CHECK(identity.magic == ringpipe::core::ring_magic);
  CHECK(identity.version == ringpipe::core::layout_version);
  CHECK(identity.capacity == 3 * page);
  CHECK(identity.fill_limit == 3 * page);
  CHECK(identity.header_size == ringpipe::core::header_region_size);
}

TEST_CASE("in a mirrored ring the byte after the last is the first") {
  const auto ring = create_ring(2 * page, {mapping_mode::mirrored});
  REQUIRE(ring.mirrored());
  std::byte* data = ringpipe::detail::ring_access::data(ring);
  data[0] = std::byte{0x5a};
  CHECK(data[ring.capacity()] == std::byte{0x5a});
  data[ring.capacity() + 7] = std::byte{0xa5};
  CHECK(data[7] == std::byte{0xa5});
}

TEST_CASE("the automatic mapping is mirrored where the system allows it") {
  CHECK(create_ring(page).mirrored());
}

TEST_CASE("a split ring maps the data area once") {
  const auto ring = create_ring(2 * page, {mapping_mode::split});
  CHECK_FALSE(ring.mirrored());
  CHECK(ring.capacity() == 2 * page);
}

// How many of the `pages` pages from `start` have a page-table entry in this process: bit 63 of each
// page's word in /proc/self/pagemap (shown without privileges; the frame numbers are not).
std::size_t mapped_pages(const std::byte* start, std::size_t pages) {
  const int pagemap = ::open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  REQUIRE(pagemap >= 0);
  std::vector<std::uint64_t> entries(pages);
  const auto bytes = static_cast<ssize_t>(pages * sizeof(std::uint64_t));
  const auto at = static_cast<off_t>(reinterpret_cast<std::uintptr_t>(start) / page * sizeof(std::uint64_t));
  const ssize_t got = ::pread(pagemap, entries.data(), static_cast<std::size_t>(bytes), at);
  ::close(pagemap);
  REQUIRE(got == bytes);
  return static_cast<std::size_t>(
      std::count_if(entries.begin(), entries.end(), [](std::uint64_t e) { return (e >> 63) != 0; }));
}

TEST_CASE("a new ring's data pages are mapped before its first write, prefaulted or not, in either mapping") {
  for (const mapping_mode mode : {mapping_mode::mirrored, mapping_mode::split})
    for (const bool prefault : {false, true}) {
      INFO("mirrored " << (mode == mapping_mode::mirrored) << ", prefault_pages " << prefault);
      ringpipe::ring_options options{mode};
      options.prefault_pages = prefault;
      const auto ring = create_ring(64 * page, options);
      const std::byte* data = ringpipe::detail::ring_access::data(ring);
      CHECK(mapped_pages(data, 64) == 64);
      CHECK(std::all_of(data, data + ring.capacity(), [](std::byte b) { return b == std::byte{0}; }));
    }
}

// Whether a user's code can call a ring's plumbing: checked on a template parameter, so that a private
// member makes the requirement false instead of the program ill-formed.
template <class Ring>
concept exposes_plumbing = requires(const Ring& r) {
  r.header();
}
|| requires(const Ring& r) { r.data(); }
|| requires(const Ring& r) { r.waiter_slots(); }
|| requires(const Ring& r) { r.identity(); }
|| requires(const Ring& r) { r.claim(ringpipe::core::role::writer); }
|| requires(const Ring& r) { r.peer_local(ringpipe::core::role::writer); };

template <class Ring>
concept shows_its_size_and_handle = requires(const Ring& r) {
  r.capacity();
  r.fill_limit();
  r.mirrored();
  r.native_handle();
};

TEST_CASE("a ring's plumbing is not part of its public face") {
  // Endpoints reach it through detail::ring_access; a user's code cannot.
  STATIC_REQUIRE_FALSE(exposes_plumbing<ringpipe::ring>);
  STATIC_REQUIRE(shows_its_size_and_handle<ringpipe::ring>);
}

TEST_CASE("each role of a ring is handed out once") {
  const auto ring = create_ring(page);
  const auto writer_lease = ringpipe::detail::ring_access::claim(ring, ringpipe::core::role::writer);
  const auto reader_lease = ringpipe::detail::ring_access::claim(ring, ringpipe::core::role::reader);
  try {
    ringpipe::detail::ring_access::claim(ring, ringpipe::core::role::writer);
    FAIL("second writer accepted");
  } catch (const std::system_error& e) {
    CHECK(e.code() == ringpipe::error::writer_already_attached);
  }
  try {
    ringpipe::detail::ring_access::claim(ring, ringpipe::core::role::reader);
    FAIL("second reader accepted");
  } catch (const std::system_error& e) {
    CHECK(e.code() == ringpipe::error::reader_already_attached);
    CHECK_THAT(e.what(), Catch::Contains("already has a reader"));
  }
}

TEST_CASE("mapping a ring registers the process for membarrier, so the data path's fence is light") {
  const long commands = ::syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
  if (commands <= 0 || (commands & MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0) {
    // Then the data path keeps full fences, which light_fence falls back to by itself.
    WARN("membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) unsupported here");
    return;
  }
  const auto ring = create_ring(page);
  CHECK(ringpipe::core::linux_platform::asymmetric_fences());
  // The process-private command, which only a registered process may send: the global one skipped
  // CPUs that had run one of our threads before we registered (docs/design.md).
  CHECK(::syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0);
}
