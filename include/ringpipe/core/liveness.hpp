// Knowing whether the peer process is still alive, at no cost on the data path.
//
// Each endpoint holds a lease on its role: an open-file-description lock (F_OFD_SETLK) on one byte of
// the ring's file, taken through a description of its own. The kernel drops the lock when the holder
// dies, however it dies (SIGKILL included), so a peer that attached, did not close, and no longer
// holds its lock is dead. Only a side that is already waiting asks, once per liveness_interval.
#pragma once

#include <chrono>

#include "ringpipe/core/layout.hpp"

namespace ringpipe::core {

enum class role { writer = 0, reader = 1 };

// How often a waiting side checks on its peer: the bound on noticing a dead peer.
inline constexpr std::chrono::milliseconds liveness_interval{200};

class role_lease {
public:
  role_lease() noexcept = default;
  // Locks `side`'s byte of the file behind `ring_fd` through a new open file description. Throws
  // std::system_error with error::writer_already_attached / reader_already_attached when a live
  // process holds that role.
  role_lease(int ring_fd, role side);
  role_lease(role_lease&& other) noexcept;
  role_lease& operator=(role_lease&& other) noexcept;
  role_lease(const role_lease&) = delete;
  role_lease& operator=(const role_lease&) = delete;
  ~role_lease();

  // Whether some process holds the other role's lock. False when it never took it, too: callers
  // first check that the peer attached and did not close.
  bool peer_holds_lock() const noexcept;

private:
  int fd_ = -1;
  role side_ = role::writer;
};

// Whether some process holds `side`'s lease lock on the ring behind `ring_fd`, asked through a
// description that holds no lock of that role itself (a lease's own, or one opened only to look).
// True when the kernel cannot tell: a live peer is never reported dead.
bool role_lock_held(int ring_fd, role side) noexcept;

// Whether the peer of `side` (which `lease` holds) is alive: true while it has not attached, once it
// closed, and while it holds its lock; false once it attached and died without closing. A system call:
// only for a side that is already waiting.
bool peer_alive(const ring_header& header, role side, const role_lease& lease) noexcept;

} // namespace ringpipe::core
