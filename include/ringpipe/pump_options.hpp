// The options of async_pump (async_pump.hpp).
#pragma once

#include <cstddef>

namespace ringpipe {

/// How async_pump moves bytes; the defaults suit a pump between a ring and a socket or file.
struct pump_options {
  /// At the source's end of stream, close a ringpipe sink (a writer, or a stream's writing half), so
  /// the reader downstream sees eof, as Node's pipe() ends its destination.
  bool close_sink = true;
  /// The buffer between two streams that are not ringpipe endpoints: the pump's whole memory.
  std::size_t buffer_size = 64 * 1024;
};

} // namespace ringpipe
