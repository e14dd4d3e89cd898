// The memory a ring lives in: a header page followed by the data area, backed by a memfd.
//
// When mirrored, the data area is mapped twice back to back, so the byte after the last one is the
// first one again and any run of up to `capacity` bytes starting anywhere in the first copy is one
// contiguous span. When that mapping is not available the area is mapped once (split), and a run that
// crosses the end comes in two parts.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ringpipe/mapping_mode.hpp"

namespace ringpipe::core {

// Sizes a ring's file to `size` bytes and reserves its memory at once, so that a shortage is an error
// here (ENOSPC on a full or too small tmpfs, ENOMEM) rather than SIGBUS on the first page written
// past it. Returns 0 or the errno.
int reserve_file(int fd, std::uint64_t size) noexcept;

class ring_memory {
public:
  // Maps a fresh, zero-filled memfd for `capacity` bytes of data (already validated and rounded by
  // the caller), its memory reserved (reserve_file). Throws std::system_error when the system
  // refuses: std::errc::not_enough_memory or no_space_on_device when the memory is not there.
  // `touch`: read every page first (ring_options::prefault_pages).
  static ring_memory create(std::uint64_t capacity, mapping_mode mode, bool touch);

  // Maps `fd`, a file of header_region_size + capacity bytes, taking ownership of it (it is closed
  // on failure too). Throws std::system_error when the system refuses.
  static ring_memory map_file(int fd, std::uint64_t capacity, mapping_mode mode);

  // A multiple of the page size no smaller than `requested`, or 0 when that would exceed max_capacity.
  static std::uint64_t round_capacity(std::uint64_t requested) noexcept;

  ring_memory(ring_memory&& other) noexcept;
  ring_memory& operator=(ring_memory&& other) noexcept;
  ring_memory(const ring_memory&) = delete;
  ring_memory& operator=(const ring_memory&) = delete;
  ~ring_memory();

  std::byte* header() const noexcept { return base_; }
  std::byte* data() const noexcept { return base_ + data_offset_; }
  std::uint64_t capacity() const noexcept { return capacity_; }
  bool mirrored() const noexcept { return mirrored_; }
  int file_descriptor() const noexcept { return fd_; }

private:
  ring_memory(int fd, std::byte* base, std::size_t mapped_size, std::uint64_t capacity,
              bool mirrored) noexcept;
  void release() noexcept;

  int fd_ = -1;
  std::byte* base_ = nullptr;
  std::size_t mapped_size_ = 0;
  std::size_t data_offset_ = 0;
  std::uint64_t capacity_ = 0;
  bool mirrored_ = false;
};

} // namespace ringpipe::core
