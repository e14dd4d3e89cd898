#include "ringpipe/ring_status.hpp"

#include <cerrno>
#include <string>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ringpipe/core/layout.hpp"
#include "ringpipe/core/liveness.hpp"
#include "ringpipe/detail/throw_on_error.hpp"
#include "ringpipe/error.hpp"
#include "shared_object.hpp"

namespace ringpipe {
namespace {

role_state state_of(std::uint32_t attached, std::uint32_t closed, bool locked) noexcept {
  if (attached == 0) return role_state::absent;
  if (closed != 0) return role_state::closed;
  return locked ? role_state::attached : role_state::dead;
}

// Reads the header of the ring object open as `fd`, whose identity was checked.
ring_status read_header(int fd, const core::ring_identity& identity, std::error_code& ec) {
  void* page = ::mmap(nullptr, core::header_region_size, PROT_READ, MAP_SHARED, fd, 0);
  if (page == MAP_FAILED) {
    ec = detail::last_error();
    return {};
  }
  const auto& header = *static_cast<const core::ring_header*>(page);
  ring_status status;
  status.capacity = identity.capacity;
  status.fill_limit = identity.fill_limit;
  status.element_size = identity.element_size;
  // acquire, as the endpoints read them: a role's flags are set before its lock is taken (attached)
  // and after it is released (closed), so a released lock with no closed flag means a death.
  const std::uint32_t writer_attached = header.writer_attached.load(std::memory_order_acquire);
  const std::uint32_t reader_attached = header.reader_attached.load(std::memory_order_acquire);
  const bool writer_locked = core::role_lock_held(fd, core::role::writer);
  const bool reader_locked = core::role_lock_held(fd, core::role::reader);
  status.writer =
      state_of(writer_attached, header.writer_closed.load(std::memory_order_acquire), writer_locked);
  status.reader =
      state_of(reader_attached, header.reader_closed.load(std::memory_order_acquire), reader_locked);
  // read first: the reader never passes the writer, so the fill computed from these is never negative.
  status.read_position = header.read_position.load(std::memory_order_acquire);
  status.write_position = header.write_position.load(std::memory_order_acquire);
  ::munmap(page, core::header_region_size);
  ec.clear();
  return status;
}

} // namespace

ring_status read_ring_status(std::string_view name, std::error_code& ec) {
  std::string object_name;
  const int fd = detail::open_shared_object(name, O_RDONLY, 0, object_name, ec);
  if (fd < 0) return {};
  core::ring_identity identity{};
  ring_status status;
  ec = detail::read_checked_identity(fd, identity, /*wait_while_made=*/false);
  if (!ec) status = read_header(fd, identity, ec);
  ::close(fd);
  return status;
}

ring_status read_ring_status(std::string_view name) {
  std::error_code ec;
  const ring_status status = read_ring_status(name, ec);
  detail::throw_on_error(ec, "read_ring_status");
  return status;
}

} // namespace ringpipe
