// Rings shared between processes: named (POSIX shared memory) or passed as a file descriptor.
// Each process maps the data area (twice, when mirrored) at its own address; the header holds no
// pointer. Writers and readers are built on these rings exactly as on create_ring's.
#pragma once

#include <cstddef>
#include <string_view>
#include <system_error>

#include <sys/types.h>

#include "ringpipe/ring.hpp"

namespace ringpipe {

/// How create_shared_ring makes a named ring.
struct shared_ring_options {
  /// How this process maps it; see mapping_mode.
  mapping_mode mapping = mapping_mode::automatic;
  /// Access to the shared-memory object, as for shm_open(3).
  mode_t permissions = 0600;
  /// How endpoints built on this process's handle wait (see ring_options::waiting).
  wait_options waiting{};
};

/// Creates a named ring of at least `capacity` bytes (rounded up to the page size), its memory reserved
/// in /dev/shm at once. Fails with std::errc::file_exists when the name is taken,
/// std::errc::invalid_argument for a name that is empty or holds a '/' past the first character,
/// std::errc::no_space_on_device when /dev/shm cannot hold it (nothing is left behind); throws
/// std::invalid_argument for a bad capacity.
ring create_shared_ring(std::string_view name, std::size_t capacity, const shared_ring_options& options,
                        std::error_code& ec);
/// As the overload taking a std::error_code, throwing std::system_error instead.
ring create_shared_ring(std::string_view name, std::size_t capacity, const shared_ring_options& options = {});

/// Attaches to a named ring after checking its header: error::not_a_ring, error::version_mismatch,
/// error::size_mismatch for an object that is not a ring of ours, std::errc::no_such_file_or_directory
/// for an unknown name. Never crashes on a truncated, foreign or garbage object.
/// A ring another process is still creating under that name (the object empty, or its header not
/// yet written) is waited for, up to a second, rather than refused.
ring open_shared_ring(std::string_view name, ring_options options, std::error_code& ec);
/// As the overload taking a std::error_code, throwing std::system_error instead.
ring open_shared_ring(std::string_view name, ring_options options = {});

/// Unlinks the name; processes attached keep their ring until they let go of it.
void remove_shared_ring(std::string_view name, std::error_code& ec);
/// As the overload taking a std::error_code, throwing std::system_error instead.
void remove_shared_ring(std::string_view name);

/// Attaches to a ring by file descriptor (for instance a memfd received over a UNIX socket), with the
/// same checks as open_shared_ring. The descriptor is duplicated: the caller keeps its own.
ring open_ring(int fd, ring_options options, std::error_code& ec);
/// As the overload taking a std::error_code, throwing std::system_error instead.
ring open_ring(int fd, ring_options options = {});

} // namespace ringpipe
