// A read-only look at a named ring, for tools that list, inspect and clean up rings (the ringpipe
// command's `ls` and `inspect`): it takes no role and changes nothing.
#pragma once

#include <cstdint>
#include <string_view>
#include <system_error>

namespace ringpipe {

/// Where one role (writer or reader) of a ring stands, as ring_status reads it.
enum class role_state {
  absent,   ///< no endpoint of this role ever attached
  attached, ///< an endpoint holds the role and its process is alive
  closed,   ///< the endpoint closed the role (normally, or by its destructor)
  dead,     ///< the endpoint's process died without closing (its lock is gone)
};

/// A snapshot of a ring's header. Positions are free-running byte counts since creation; they are
/// read one after the other, so a ring in use may move between the two reads.
struct ring_status {
  std::uint64_t capacity = 0;       ///< size of the data area in bytes
  std::uint64_t fill_limit = 0;     ///< most bytes the ring holds at once (less than capacity for a queue)
  std::uint32_t element_size = 0;   ///< 1 for a byte ring, the element's size for a queue
  std::uint64_t write_position = 0; ///< bytes committed by the writer since creation
  std::uint64_t read_position = 0;  ///< bytes consumed by the reader since creation
  role_state writer = role_state::absent; ///< the writer role
  role_state reader = role_state::absent; ///< the reader role

  /// Bytes committed and not yet consumed.
  std::uint64_t fill() const noexcept {
    return write_position >= read_position ? write_position - read_position : 0;
  }
};

/// Reads the status of the named ring without attaching to it (the object is opened read-only).
/// Fails with std::errc::no_such_file_or_directory for an unknown name, std::errc::permission_denied
/// when the object cannot be read, error::not_a_ring, error::version_mismatch or error::size_mismatch
/// for an object that is not a ring of this version; never crashes on a foreign or truncated object.
ring_status read_ring_status(std::string_view name, std::error_code& ec);

/// As the overload taking a std::error_code, throwing std::system_error instead.
ring_status read_ring_status(std::string_view name);

} // namespace ringpipe
