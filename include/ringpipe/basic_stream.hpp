// A duplex stream over two rings, one each way: the shared-memory twin of a connected socket pair.
// Both a Sync and an Async Read/Write Stream, and usable as the next layer of Asio's layered streams
// (asio::buffered_stream, asio::ssl::stream).
#pragma once

#include <cstddef>
#include <system_error>
#include <utility>

#include <asio/any_io_executor.hpp>
#include <asio/async_result.hpp>

#include "ringpipe/basic_reader.hpp"
#include "ringpipe/basic_writer.hpp"
#include "ringpipe/ring.hpp"

namespace ringpipe {

/// One endpoint of a duplex stream: a writer for the bytes it sends and a reader for those it receives,
/// each on a ring of its own. Blocking calls block as the endpoint's writer or reader does (write_some
/// while the outgoing ring is full, read_some while the incoming one is empty); errors are theirs
/// (basic_writer.hpp, basic_reader.hpp). Not for concurrent use, except that one read and one write may
/// run at the same time, from two threads or as two outstanding operations, as on a socket.
template <class Executor = asio::any_io_executor>
class basic_stream {
public:
  /// The executor type, as Asio's I/O objects name it.
  using executor_type = Executor;
  /// A stream of ours is its own lowest layer, as a socket is.
  using lowest_layer_type = basic_stream;

  /// This type on another executor type (what asio::as_default_on uses).
  template <class OtherExecutor>
  struct rebind_executor {
    using other = basic_stream<OtherExecutor>; ///< The rebound type.
  };

  /// Joins a writer (outgoing bytes) and a reader (incoming bytes) bound to the same executor.
  basic_stream(basic_writer<Executor> outgoing, basic_reader<Executor> incoming)
      : writer_(std::move(outgoing)), reader_(std::move(incoming)) {}

  /// Converting move, so that rebind_executor and as_default_on can wrap an existing stream.
  template <class OtherExecutor>
  requires std::constructible_from<Executor, const OtherExecutor&>
  basic_stream(basic_stream<OtherExecutor>&& other)
  noexcept : writer_(std::move(other.writer())), reader_(std::move(other.reader())) {}

  /// Takes over the other's role; the moved-from one is closed (is_open() is false).
  basic_stream(basic_stream&&) noexcept = default;
  /// Closes this endpoint, then takes over the other's; the moved-from one is closed.
  basic_stream& operator=(basic_stream&&) noexcept = default;

  /// The writer's executor: the one asynchronous operations without an executor of their own run on.
  executor_type get_executor() const noexcept { return writer_.get_executor(); }
  /// This object itself.
  lowest_layer_type& lowest_layer() noexcept { return *this; }
  /// This object itself.
  const lowest_layer_type& lowest_layer() const noexcept { return *this; }

  /// The two halves, for zero-copy use (writer().prepare/commit, reader().data/consume) or to close
  /// one direction only, as shutdown() does on a socket.
  basic_writer<Executor>& writer() noexcept { return writer_; }
  /// As writer(), on a const stream.
  const basic_writer<Executor>& writer() const noexcept { return writer_; }
  /// The incoming half.
  basic_reader<Executor>& reader() noexcept { return reader_; }
  /// As reader(), on a const stream.
  const basic_reader<Executor>& reader() const noexcept { return reader_; }

  /// Whether either direction is still open.
  bool is_open() const noexcept { return writer_.is_open() || reader_.is_open(); }

  /// As basic_writer::write_some on the outgoing ring.
  template <class ConstBufferSequence>
  std::size_t write_some(const ConstBufferSequence& buffers) {
    return writer_.write_some(buffers);
  }

  /// As the overload without `ec`, reporting errors through `ec` instead of throwing.
  template <class ConstBufferSequence>
  std::size_t write_some(const ConstBufferSequence& buffers, std::error_code& ec) {
    return writer_.write_some(buffers, ec);
  }

  /// As basic_reader::read_some on the incoming ring.
  template <class MutableBufferSequence>
  std::size_t read_some(const MutableBufferSequence& buffers) {
    return reader_.read_some(buffers);
  }

  /// As the overload without `ec`, reporting errors through `ec` instead of throwing.
  template <class MutableBufferSequence>
  std::size_t read_some(const MutableBufferSequence& buffers, std::error_code& ec) {
    return reader_.read_some(buffers, ec);
  }

  /// As basic_writer::async_write_some. One read and one write may be outstanding at the same time, as
  /// on a socket.
  template <class ConstBufferSequence, asio::completion_token_for<void(std::error_code, std::size_t)>
                                           WriteToken = asio::default_completion_token_t<executor_type>>
  auto async_write_some(const ConstBufferSequence& buffers,
                        WriteToken&& token = asio::default_completion_token_t<executor_type>()) {
    return writer_.async_write_some(buffers, std::forward<WriteToken>(token));
  }

  /// As basic_reader::async_read_some.
  template <class MutableBufferSequence, asio::completion_token_for<void(std::error_code, std::size_t)>
                                             ReadToken = asio::default_completion_token_t<executor_type>>
  auto async_read_some(const MutableBufferSequence& buffers,
                       ReadToken&& token = asio::default_completion_token_t<executor_type>()) {
    return reader_.async_read_some(buffers, std::forward<ReadToken>(token));
  }

  /// Ends parked operations in both directions with asio::error::operation_aborted.
  void cancel() noexcept {
    writer_.cancel();
    reader_.cancel();
  }

  /// As cancel(); never fails, and clears `ec`.
  void cancel(std::error_code& ec) noexcept {
    ec.clear();
    cancel();
  }

  /// Closes both directions: the peer reads eof after draining, and its writes fail with broken_pipe.
  void close() noexcept {
    writer_.close();
    reader_.close();
  }

  /// As close(); never fails, and clears `ec`.
  void close(std::error_code& ec) noexcept {
    ec.clear();
    close();
  }

private:
  basic_writer<Executor> writer_;
  basic_reader<Executor> reader_;
};

/// A basic_stream on Asio's type-erased I/O executor.
using stream = basic_stream<asio::any_io_executor>;

/// Two connected streams: bytes written to one are read from the other, through a ring of at least
/// `capacity` bytes in each direction. Throws as create_ring does.
inline std::pair<stream, stream> make_stream_pair(const asio::any_io_executor& executor_a,
                                                  const asio::any_io_executor& executor_b,
                                                  std::size_t capacity, ring_options options = {}) {
  const ring a_to_b = create_ring(capacity, options);
  const ring b_to_a = create_ring(capacity, options);
  stream a(writer(executor_a, a_to_b), reader(executor_a, b_to_a));
  stream b(writer(executor_b, b_to_a), reader(executor_b, a_to_b));
  return {std::move(a), std::move(b)};
}

/// As the overload taking two executors, with one executor for both ends.
inline std::pair<stream, stream> make_stream_pair(const asio::any_io_executor& executor, std::size_t capacity,
                                                  ring_options options = {}) {
  return make_stream_pair(executor, executor, capacity, options);
}

/// As the overload taking one executor, with the context's executor.
template <detail::execution_context_ref ExecutionContext>
std::pair<stream, stream> make_stream_pair(ExecutionContext& context, std::size_t capacity,
                                           ring_options options = {}) {
  return make_stream_pair(context.get_executor(), capacity, options);
}

} // namespace ringpipe
