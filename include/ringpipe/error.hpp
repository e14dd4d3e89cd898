// ringpipe's own error codes. Conditions Asio users already know keep Asio's codes: end of stream is
// asio::error::eof, a write to a closed reader asio::error::broken_pipe, a use of a closed or
// moved-from endpoint asio::error::bad_descriptor.
#pragma once

#include <string>
#include <system_error>
#include <type_traits>

namespace ringpipe {

/// ringpipe's own error codes, a std::error_code enumeration (is_error_code_enum).
enum class error {
  writer_already_attached = 1, ///< the ring already has (or had) a writer endpoint
  reader_already_attached,     ///< the ring already has (or had) a reader endpoint
  corrupt,                     ///< the shared header broke an invariant (positions ran backwards, ...)
  commit_too_large,            ///< commit(n) with n above what the last prepare() returned
  consume_too_large,           ///< consume(n) with n above the readable data
  not_a_ring,                  ///< attaching to an object without a ringpipe header (wrong magic, too small)
  version_mismatch,            ///< the ring was made by an incompatible layout version
  size_mismatch,               ///< the header's sizes disagree with each other or with the object's size
  element_mismatch,            ///< a queue's element size or alignment differs between the two sides
  peer_dead,                   ///< the writer's process died without closing (after every committed byte)
};

/// The category of ringpipe::error codes, named "ringpipe"; its messages say what went wrong.
const std::error_category& error_category() noexcept;

/// Makes ringpipe::error values into std::error_code (found by argument-dependent lookup).
inline std::error_code make_error_code(error e) noexcept { return {static_cast<int>(e), error_category()}; }

} // namespace ringpipe

template <>
struct std::is_error_code_enum<ringpipe::error> : std::true_type {};
