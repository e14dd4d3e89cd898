#include "shared_object.hpp"

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <thread>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ringpipe/core/identity.hpp"
#include "ringpipe/error.hpp"

namespace ringpipe::detail {
namespace {

// How long read_checked_identity waits for a ring being made; far longer than making one takes.
constexpr std::chrono::milliseconds creation_wait{1000};

std::error_code as_error_code(core::identity_fault fault) noexcept {
  switch (fault) {
  case core::identity_fault::none: return {};
  case core::identity_fault::not_a_ring: return error::not_a_ring;
  case core::identity_fault::version_mismatch: return error::version_mismatch;
  case core::identity_fault::size_mismatch: break;
  }
  return error::size_mismatch;
}

} // namespace

std::error_code last_error() noexcept { return {errno, std::system_category()}; }

bool to_object_name(std::string_view name, std::string& object_name) {
  if (!name.empty() && name.front() == '/') name.remove_prefix(1);
  if (name.empty() || name.find('/') != std::string_view::npos) return false;
  object_name.assign(1, '/'); // appended, not "/" + name: g++ 12 warns wrongly (-Wrestrict) on that
  object_name.append(name);
  return true;
}

int open_shared_object(std::string_view name, int flags, mode_t mode, std::string& object_name,
                       std::error_code& ec) {
  if (!to_object_name(name, object_name)) {
    ec = std::make_error_code(std::errc::invalid_argument);
    return -1;
  }
  const int fd = ::shm_open(object_name.c_str(), flags | O_CLOEXEC, mode);
  ec = fd < 0 ? last_error() : std::error_code();
  return fd;
}

std::error_code read_checked_identity(int fd, core::ring_identity& identity, bool wait_while_made) {
  const auto deadline = std::chrono::steady_clock::now() + creation_wait;
  for (;;) {
    struct stat status {};
    if (::fstat(fd, &status) != 0) return last_error();
    const auto size = static_cast<std::uint64_t>(status.st_size);
    if (!S_ISREG(status.st_mode)) return error::not_a_ring;
    identity = {};
    const bool read = size >= core::header_region_size &&
                      ::pread(fd, &identity, sizeof identity, 0) == static_cast<ssize_t>(sizeof identity);
    // Empty, or sized with no magic yet: its creator is still making it (create_shared_ring sizes the
    // object, then writes the magic last). Another process given the same name to create or open, as
    // `ringpipe --create` on both ends, gets here in that window; it waits rather than fail.
    const bool being_made = size == 0 || (read && identity.magic == 0);
    if (wait_while_made && being_made && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      continue;
    }
    if (!read) return error::not_a_ring;
    return as_error_code(core::check_identity(identity, size));
  }
}

} // namespace ringpipe::detail
