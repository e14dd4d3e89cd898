#include "ringpipe/shared_ring.hpp"

#include <cerrno>
#include <stdexcept>
#include <string>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ringpipe/core/identity.hpp"
#include "ringpipe/detail/ring_access.hpp"
#include "ringpipe/detail/throw_on_error.hpp"
#include "ringpipe/error.hpp"
#include "shared_object.hpp"

namespace ringpipe {
namespace {

// Maps an open ring object (taking ownership of `fd`) after checking its identity. `by_name`: opened by
// its name, which another process may have created an instant ago and still be making.
ring attach(int fd, const ring_options& options, bool by_name, std::error_code& ec) {
  core::ring_identity identity{};
  ec = detail::read_checked_identity(fd, identity, by_name);
  if (ec) {
    ::close(fd);
    return {};
  }
  try {
    return detail::ring_access::make(core::ring_memory::map_file(fd, identity.capacity, options.mapping),
                                     identity, options.waiting);
  } catch (const std::system_error& e) {
    ec = e.code();
    return {};
  }
}

} // namespace

ring create_shared_ring(std::string_view name, std::size_t capacity, const shared_ring_options& options,
                        std::error_code& ec) {
  return detail::ring_access::create_shared(name, core::byte_ring_identity(capacity), options, ec);
}

ring detail::ring_access::create_shared(std::string_view name, const core::ring_identity& identity,
                                        const shared_ring_options& options, std::error_code& ec) {
  std::string object_name;
  const int fd =
      detail::open_shared_object(name, O_RDWR | O_CREAT | O_EXCL, options.permissions, object_name, ec);
  if (fd < 0) return {};
  // fchmod: shm_open's mode is filtered by the umask; the caller asked for exactly these permissions.
  const int failure = ::fchmod(fd, options.permissions) != 0
                          ? errno
                          : core::reserve_file(fd, core::header_region_size + identity.capacity);
  if (failure != 0) {
    ec = std::error_code(failure, std::system_category());
    ::close(fd);
    ::shm_unlink(object_name.c_str());
    return {};
  }
  try {
    core::ring_memory memory = core::ring_memory::map_file(fd, identity.capacity, options.mapping);
    core::write_identity(memory, identity);
    ec.clear();
    return make(std::move(memory), identity, options.waiting);
  } catch (const std::system_error& e) {
    ec = e.code();
    ::shm_unlink(object_name.c_str());
    return {};
  }
}

ring create_shared_ring(std::string_view name, std::size_t capacity, const shared_ring_options& options) {
  std::error_code ec;
  ring result = create_shared_ring(name, capacity, options, ec);
  detail::throw_on_error(ec, "create_shared_ring");
  return result;
}

ring open_shared_ring(std::string_view name, ring_options options, std::error_code& ec) {
  std::string object_name;
  const int fd = detail::open_shared_object(name, O_RDWR, 0, object_name, ec);
  return fd < 0 ? ring() : attach(fd, options, /*by_name=*/true, ec);
}

ring open_shared_ring(std::string_view name, ring_options options) {
  std::error_code ec;
  ring result = open_shared_ring(name, options, ec);
  detail::throw_on_error(ec, "open_shared_ring");
  return result;
}

void remove_shared_ring(std::string_view name, std::error_code& ec) {
  std::string object_name;
  if (!detail::to_object_name(name, object_name))
    ec = std::make_error_code(std::errc::invalid_argument);
  else if (::shm_unlink(object_name.c_str()) != 0)
    ec = detail::last_error();
  else
    ec.clear();
}

void remove_shared_ring(std::string_view name) {
  std::error_code ec;
  remove_shared_ring(name, ec);
  detail::throw_on_error(ec, "remove_shared_ring");
}

ring open_ring(int fd, ring_options options, std::error_code& ec) {
  const int own = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (own < 0) {
    ec = detail::last_error();
    return {};
  }
  return attach(own, options, /*by_name=*/false, ec);
}

ring open_ring(int fd, ring_options options) {
  std::error_code ec;
  ring result = open_ring(fd, options, ec);
  detail::throw_on_error(ec, "open_ring");
  return result;
}

} // namespace ringpipe
