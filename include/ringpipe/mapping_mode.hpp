// How a ring's data area is mapped into each process that uses it.
#pragma once

namespace ringpipe {

/// Mirrored: the data area is mapped twice, back to back, so the byte after the last is the first
/// again and every readable or writable run is one contiguous span (prepare() and data() return all of
/// it). Split: one mapping; a run that crosses the end comes as two spans, and prepare()/data() return
/// the first. Mirroring needs a second virtual mapping of the same memory, which some systems refuse.
enum class mapping_mode {
  automatic, // mirrored when the system allows it, split otherwise
  mirrored,  // mirrored or fail with std::system_error
  split,     // a single mapping: runs across the wrap come in two parts
};

} // namespace ringpipe
