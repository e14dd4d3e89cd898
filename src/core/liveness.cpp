#include "ringpipe/core/liveness.hpp"

#include <cerrno>
#include <string>
#include <system_error>
#include <utility>

#include <fcntl.h>
#include <unistd.h>

#include "ringpipe/error.hpp"

namespace ringpipe::core {
namespace {

struct flock lock_request(short type, role side) {
  struct flock request {};
  request.l_type = type;
  request.l_whence = SEEK_SET;
  request.l_start = static_cast<off_t>(side);
  request.l_len = 1;
  return request;
}

} // namespace

role_lease::role_lease(int ring_fd, role side) : side_(side) {
  // A description of our own, so our lock conflicts with (and is visible to) every other endpoint's,
  // in this process or another.
  const std::string path = "/proc/self/fd/" + std::to_string(ring_fd);
  fd_ = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd_ < 0)
    throw std::system_error(errno, std::system_category(), "ringpipe: reopening the ring for its lease");
  struct flock request = lock_request(F_WRLCK, side);
  if (::fcntl(fd_, F_OFD_SETLK, &request) != 0) {
    const int failure = errno;
    ::close(fd_);
    fd_ = -1;
    if (failure == EAGAIN || failure == EACCES)
      throw std::system_error(make_error_code(side == role::writer ? error::writer_already_attached
                                                                   : error::reader_already_attached));
    throw std::system_error(failure, std::system_category(), "ringpipe: locking the ring's role");
  }
}

role_lease::role_lease(role_lease&& other) noexcept : fd_(std::exchange(other.fd_, -1)), side_(other.side_) {}

role_lease& role_lease::operator=(role_lease&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    side_ = other.side_;
  }
  return *this;
}

role_lease::~role_lease() {
  if (fd_ >= 0) ::close(fd_);
}

bool role_lease::peer_holds_lock() const noexcept {
  if (fd_ < 0) return true;
  return role_lock_held(fd_, side_ == role::writer ? role::reader : role::writer);
}

bool role_lock_held(int ring_fd, role side) noexcept {
  struct flock query = lock_request(F_WRLCK, side);
  if (::fcntl(ring_fd, F_OFD_GETLK, &query) != 0) return true; // cannot tell: never report a live peer dead
  return query.l_type != F_UNLCK;
}

bool peer_alive(const ring_header& header, role side, const role_lease& lease) noexcept {
  const bool peer_is_writer = side == role::reader;
  // acquire: a peer's flags are set before (attached) and after (closed) its lock is held.
  const bool attached =
      (peer_is_writer ? header.writer_attached : header.reader_attached).load(std::memory_order_acquire);
  const bool closed =
      (peer_is_writer ? header.writer_closed : header.reader_closed).load(std::memory_order_acquire);
  return !attached || closed || lease.peer_holds_lock();
}

} // namespace ringpipe::core
