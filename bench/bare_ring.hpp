// The two-thread ceiling for a byte ring: a mirrored ring with nothing but its two positions, each on a
// cache line of its own, published with release and read with acquire, each side keeping a copy of the
// other's and rereading it only when that copy says full (empty), and sides that busy-poll. No wake
// protocol, no checks of a peer's values, no closing: what moving bytes between two threads through one
// ring costs on this machine, and so what ringpipe's read_some/write_some is measured against.
#pragma once

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <system_error>

#include <sys/mman.h>
#include <unistd.h>

namespace ringpipe::bench {

class bare_ring {
public:
  // `capacity` must be a multiple of the page size.
  explicit bare_ring(std::size_t capacity) : capacity_(capacity) {
    const int fd = ::memfd_create("bare-ring", MFD_CLOEXEC);
    if (fd < 0 || ::ftruncate(fd, static_cast<off_t>(capacity)) != 0) fail("memfd");
    // The data area twice, back to back, so that every run is one span, as ringpipe maps its rings.
    void* area = ::mmap(nullptr, 2 * capacity, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (area == MAP_FAILED) fail("mmap");
    data_ = static_cast<std::byte*>(area);
    for (std::size_t half : {std::size_t{0}, capacity})
      if (::mmap(data_ + half, capacity, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED)
        fail("mmap");
    ::close(fd);
  }
  bare_ring(const bare_ring&) = delete;
  bare_ring& operator=(const bare_ring&) = delete;
  ~bare_ring() { ::munmap(data_, 2 * capacity_); }

  // Copies up to `size` bytes in once there is room, spinning until then; returns how many.
  std::size_t write_some(const std::byte* from, std::size_t size) noexcept {
    std::uint64_t free_space = capacity_ - (written_ - cached_read_);
    // acquire: the reader is done with the bytes it released before we overwrite them.
    while (free_space < size &&
           (free_space = capacity_ -
                         (written_ - (cached_read_ = read_position_.load(std::memory_order_acquire)))) == 0) {
    }
    const std::size_t n = std::min<std::uint64_t>(size, free_space);
    std::memcpy(data_ + written_ % capacity_, from, n);
    written_ += n;
    // release: publishes the bytes.
    write_position_.store(written_, std::memory_order_release);
    return n;
  }

  // Copies up to `size` bytes out once there are some, spinning until then; returns how many.
  std::size_t read_some(std::byte* to, std::size_t size) noexcept {
    std::uint64_t available = cached_written_ - read_;
    // acquire: pairs with write_some's release, so the bytes are visible.
    while (available < size &&
           (available = (cached_written_ = write_position_.load(std::memory_order_acquire)) - read_) == 0) {
    }
    const std::size_t n = std::min<std::uint64_t>(size, available);
    std::memcpy(to, data_ + read_ % capacity_, n);
    read_ += n;
    // release: the bytes are copied out before the writer may reuse their room.
    read_position_.store(read_, std::memory_order_release);
    return n;
  }

private:
  [[noreturn]] static void fail(const char* call) {
    throw std::system_error(errno, std::system_category(), call);
  }

  std::size_t capacity_;
  std::byte* data_ = nullptr;
  alignas(128) std::atomic<std::uint64_t> write_position_{0};
  std::uint64_t written_ = 0;     // the writer's own copy: it alone moves it
  std::uint64_t cached_read_ = 0; // the writer's copy of the reader's position
  alignas(128) std::atomic<std::uint64_t> read_position_{0};
  std::uint64_t read_ = 0;           // the reader's own copy
  std::uint64_t cached_written_ = 0; // the reader's copy of the writer's position
};

} // namespace ringpipe::bench
