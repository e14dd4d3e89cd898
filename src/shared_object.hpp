// What attaching to a ring object and looking at one share: the object's POSIX name, and reading and
// checking the identity at its start before anything is mapped.
#pragma once

#include <string>
#include <string_view>
#include <system_error>

#include <sys/types.h>

#include "ringpipe/core/layout.hpp"

namespace ringpipe::detail {

// errno as a std::error_code.
std::error_code last_error() noexcept;

// POSIX shared-memory names are "/name"; "name" is accepted too. False for an empty name or one with
// a '/' past the first character.
bool to_object_name(std::string_view name, std::string& object_name);

// shm_open(3) of the named object with `flags` (O_CLOEXEC added) and `mode`: its descriptor, or -1 with
// ec set (std::errc::invalid_argument for a bad name, else the system's error). `object_name` receives
// the POSIX name, for a caller that may have to unlink it.
int open_shared_object(std::string_view name, int flags, mode_t mode, std::string& object_name,
                       std::error_code& ec);

// Reads the identity of the object open as `fd` and checks it against the object's size: error::
// not_a_ring, version_mismatch or size_mismatch for an object that is not a ring of this version
// (a truncated, foreign or forged one included), the system's error when it cannot be read. With
// `wait_while_made` (an object opened by its name), one that is empty or has no magic yet is taken for
// one that create_shared_ring is still making, and waited for up to a second before it is refused; a
// descriptor handed over, or a look at every object (ringpipe ls), does not wait.
std::error_code read_checked_identity(int fd, core::ring_identity& identity, bool wait_while_made);

} // namespace ringpipe::detail
