// make_pipe: a fresh in-process ring with a writer and a reader on it.
#pragma once

#include <cstddef>
#include <utility>

#include <asio/any_io_executor.hpp>

#include "ringpipe/basic_reader.hpp"
#include "ringpipe/basic_writer.hpp"
#include "ringpipe/ring.hpp"

namespace ringpipe {

/// A ring of at least `capacity` bytes (rounded up to the page size) with its writer and reader, each
/// bound to its own executor. Throws std::invalid_argument for a capacity of 0 or above
/// core::max_capacity, std::system_error when the system refuses the memory.
inline std::pair<writer, reader> make_pipe(const asio::any_io_executor& writer_executor,
                                           const asio::any_io_executor& reader_executor, std::size_t capacity,
                                           ring_options options = {}) {
  ring ring_handle = create_ring(capacity, options);
  writer w(writer_executor, ring_handle);
  reader r(reader_executor, std::move(ring_handle));
  return {std::move(w), std::move(r)};
}

/// As the overload taking two executors, with one executor for both ends.
inline std::pair<writer, reader> make_pipe(const asio::any_io_executor& executor, std::size_t capacity,
                                           ring_options options = {}) {
  return make_pipe(executor, executor, capacity, options);
}

/// As the overload taking one executor, with the context's executor.
template <detail::execution_context_ref ExecutionContext>
std::pair<writer, reader> make_pipe(ExecutionContext& context, std::size_t capacity,
                                    ring_options options = {}) {
  return make_pipe(context.get_executor(), capacity, options);
}

} // namespace ringpipe
