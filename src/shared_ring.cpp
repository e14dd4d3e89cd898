#include "ringpipe/shared_ring.hpp"

#include <cerrno>
#include <stdexcept>
#include <string>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ringpipe/detail/ring_access.hpp"
#include "ringpipe/detail/ring_identity.hpp"
#include "ringpipe/error.hpp"

namespace ringpipe {
namespace {

std::error_code last_error() { return {errno, std::system_category()}; }

// POSIX shared-memory names are "/name"; we accept "name" too.
bool to_object_name(std::string_view name, std::string& object_name) {
  if (!name.empty() && name.front() == '/') name.remove_prefix(1);
  if (name.empty() || name.find('/') != std::string_view::npos) return false;
  object_name = "/" + std::string(name);
  return true;
}

template <class Result>
Result value_or_throw(Result result, const std::error_code& ec, const char* what) {
  if (ec) throw std::system_error(ec, what);
  return result;
}

// Maps an open ring object (taking ownership of `fd`) after checking its identity.
ring attach(int fd, const ring_options& options, std::error_code& ec) {
  struct stat status {};
  core::ring_identity identity{};
  if (::fstat(fd, &status) != 0) {
    ec = last_error();
  } else if (static_cast<std::uint64_t>(status.st_size) < core::header_region_size ||
             ::pread(fd, &identity, sizeof identity, 0) != static_cast<ssize_t>(sizeof identity)) {
    ec = error::not_a_ring;
  } else {
    ec = detail::check_identity(identity, static_cast<std::uint64_t>(status.st_size));
  }
  if (ec) {
    ::close(fd);
    return {};
  }
  try {
    return detail::ring_access::make(core::ring_memory::map_file(fd, identity.capacity, options.mapping),
                                     identity);
  } catch (const std::system_error& e) {
    ec = e.code();
    return {};
  }
}

} // namespace

ring create_shared_ring(std::string_view name, std::size_t capacity, const shared_ring_options& options,
                        std::error_code& ec) {
  return detail::create_shared_ring_with(name, detail::byte_ring_identity(capacity), options, ec);
}

ring detail::create_shared_ring_with(std::string_view name, const core::ring_identity& identity,
                                     const shared_ring_options& options, std::error_code& ec) {
  std::string object_name;
  if (!to_object_name(name, object_name)) {
    ec = std::make_error_code(std::errc::invalid_argument);
    return {};
  }
  const int fd = ::shm_open(object_name.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, options.permissions);
  if (fd < 0) {
    ec = last_error();
    return {};
  }
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
    detail::write_identity(memory, identity);
    ec.clear();
    return detail::ring_access::make(std::move(memory), identity);
  } catch (const std::system_error& e) {
    ec = e.code();
    ::shm_unlink(object_name.c_str());
    return {};
  }
}

ring create_shared_ring(std::string_view name, std::size_t capacity, const shared_ring_options& options) {
  std::error_code ec;
  return value_or_throw(create_shared_ring(name, capacity, options, ec), ec, "ringpipe: create_shared_ring");
}

ring open_shared_ring(std::string_view name, ring_options options, std::error_code& ec) {
  std::string object_name;
  if (!to_object_name(name, object_name)) {
    ec = std::make_error_code(std::errc::invalid_argument);
    return {};
  }
  const int fd = ::shm_open(object_name.c_str(), O_RDWR | O_CLOEXEC, 0);
  if (fd < 0) {
    ec = last_error();
    return {};
  }
  return attach(fd, options, ec);
}

ring open_shared_ring(std::string_view name, ring_options options) {
  std::error_code ec;
  return value_or_throw(open_shared_ring(name, options, ec), ec, "ringpipe: open_shared_ring");
}

void remove_shared_ring(std::string_view name, std::error_code& ec) {
  std::string object_name;
  if (!to_object_name(name, object_name))
    ec = std::make_error_code(std::errc::invalid_argument);
  else if (::shm_unlink(object_name.c_str()) != 0)
    ec = last_error();
  else
    ec.clear();
}

void remove_shared_ring(std::string_view name) {
  std::error_code ec;
  remove_shared_ring(name, ec);
  if (ec) throw std::system_error(ec, "ringpipe: remove_shared_ring");
}

ring open_ring(int fd, ring_options options, std::error_code& ec) {
  const int own = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (own < 0) {
    ec = last_error();
    return {};
  }
  return attach(own, options, ec);
}

ring open_ring(int fd, ring_options options) {
  std::error_code ec;
  return value_or_throw(open_ring(fd, options, ec), ec, "ringpipe: open_ring");
}

} // namespace ringpipe
