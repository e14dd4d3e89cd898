#include "ringpipe/core/memory.hpp"

#include <cerrno>
#include <system_error>
#include <utility>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ringpipe/core/layout.hpp"
#include "ringpipe/core/platform.hpp"

namespace ringpipe::core {
namespace {

std::system_error system_failure(const char* what) { return {errno, std::system_category(), what}; }

std::uint64_t page_size() noexcept { return static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE)); }

// Makes the page-table entries of the header and the data area's first view now, writable, so that the
// data path never takes a page fault: the memory is already reserved (reserve_file). MAP_POPULATE maps a
// shared mapping read-only, so the first write to each page still faulted; MADV_POPULATE_WRITE (Linux
// 5.14) maps it as a write would. A fresh 10M-element queue's first pass of 4-byte pushes took 15.7 ns
// each here unpopulated, 9.8 with MAP_POPULATE. Older kernels refuse it: their pages fault in on first
// use. The mirror's second view is left to fault on demand: only runs that cross the end touch it, and
// populating it would count the ring twice in the process's resident size.
void populate_writable(std::byte* start, std::size_t length) noexcept {
  static_cast<void>(::madvise(start, length, MADV_POPULATE_WRITE)); // best effort, as said above
}

// Reads one byte of every page of fresh memory (ring_options::prefault_pages). On a virtual machine whose
// hypervisor builds its own page tables on a page's first access (this one), populated pages still trap
// once each: a fresh 10M-element queue's first pass of 4-byte pushes took 7.9 ns each populated, 2.6 ns
// touched (and 2.6 on every later pass), while creating a 512 MiB ring took 0.78 s instead of 0.11.
// Only for memory that nobody else uses yet, where no peer's write can race the read.
void touch_pages(const std::byte* start, std::size_t length) noexcept {
  const std::size_t page = page_size();
  for (std::size_t at = 0; at < length; at += page)
    [[maybe_unused]] const std::byte touched = *static_cast<const volatile std::byte*>(start + at);
}

// Reserves address space for the header and two copies of the data area, then maps the data area of
// `fd` twice into it. Returns nullptr (with errno set) when any step is refused.
std::byte* map_mirrored(int fd, std::uint64_t capacity) {
  const std::size_t total = header_region_size + 2 * capacity;
  void* reservation = ::mmap(nullptr, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (reservation == MAP_FAILED) return nullptr;
  auto* base = static_cast<std::byte*>(reservation);
  const int protection = PROT_READ | PROT_WRITE;
  const bool mapped =
      ::mmap(base, header_region_size + capacity, protection, MAP_SHARED | MAP_FIXED, fd, 0) != MAP_FAILED &&
      ::mmap(base + header_region_size + capacity, capacity, protection, MAP_SHARED | MAP_FIXED, fd,
             static_cast<off_t>(header_region_size)) != MAP_FAILED;
  if (!mapped) {
    const int saved = errno;
    ::munmap(reservation, total);
    errno = saved;
    return nullptr;
  }
  populate_writable(base, header_region_size + capacity);
  return base;
}

} // namespace

std::uint64_t ring_memory::round_capacity(std::uint64_t requested) noexcept {
  const std::uint64_t page = page_size();
  if (requested == 0 || requested > max_capacity) return 0;
  return (requested + page - 1) / page * page;
}

int reserve_file(int fd, std::uint64_t size) noexcept {
  if (::fallocate(fd, 0, 0, static_cast<off_t>(size)) == 0) return 0;
  if (errno != EOPNOTSUPP) return errno;
  // A file system that cannot reserve: at least size the file; a shortage then shows as SIGBUS.
  return ::ftruncate(fd, static_cast<off_t>(size)) == 0 ? 0 : errno;
}

ring_memory ring_memory::create(std::uint64_t capacity, mapping_mode mode, bool touch) {
  const int fd = ::memfd_create("ringpipe", MFD_CLOEXEC);
  if (fd < 0) throw system_failure("ringpipe: memfd_create");
  if (const int failure = reserve_file(fd, header_region_size + capacity)) {
    ::close(fd);
    throw std::system_error(failure, std::system_category(), "ringpipe: reserving the ring's memory");
  }
  ring_memory memory = map_file(fd, capacity, mode);
  if (touch) touch_pages(memory.header(), header_region_size + capacity);
  return memory;
}

ring_memory ring_memory::map_file(int fd, std::uint64_t capacity, mapping_mode mode) {
  if (mode != mapping_mode::split) {
    if (std::byte* base = map_mirrored(fd, capacity))
      return ring_memory(fd, base, header_region_size + 2 * capacity, capacity, true);
    if (mode == mapping_mode::mirrored) {
      const auto failure = system_failure("ringpipe: mirrored mapping");
      ::close(fd);
      throw failure;
    }
  }
  void* base = ::mmap(nullptr, header_region_size + capacity, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (base == MAP_FAILED) {
    const auto failure = system_failure("ringpipe: mapping the ring's memory");
    ::close(fd);
    throw failure;
  }
  populate_writable(static_cast<std::byte*>(base), header_region_size + capacity);
  return ring_memory(fd, static_cast<std::byte*>(base), header_region_size + capacity, capacity, false);
}

ring_memory::ring_memory(int fd, std::byte* base, std::size_t mapped_size, std::uint64_t capacity,
                         bool mirrored) noexcept
    : fd_(fd), base_(base), mapped_size_(mapped_size), data_offset_(header_region_size), capacity_(capacity),
      mirrored_(mirrored) {
  // Before any cursor on this memory runs: the data path's fences depend on it (platform.hpp).
  linux_platform::enable_asymmetric_fences();
}

ring_memory::ring_memory(ring_memory&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), base_(std::exchange(other.base_, nullptr)),
      mapped_size_(std::exchange(other.mapped_size_, 0)), data_offset_(other.data_offset_),
      capacity_(std::exchange(other.capacity_, 0)), mirrored_(other.mirrored_) {}

ring_memory& ring_memory::operator=(ring_memory&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = std::exchange(other.fd_, -1);
    base_ = std::exchange(other.base_, nullptr);
    mapped_size_ = std::exchange(other.mapped_size_, 0);
    data_offset_ = other.data_offset_;
    capacity_ = std::exchange(other.capacity_, 0);
    mirrored_ = other.mirrored_;
  }
  return *this;
}

ring_memory::~ring_memory() { release(); }

void ring_memory::release() noexcept {
  if (base_) ::munmap(base_, mapped_size_);
  if (fd_ >= 0) ::close(fd_);
  base_ = nullptr;
  fd_ = -1;
}

} // namespace ringpipe::core
