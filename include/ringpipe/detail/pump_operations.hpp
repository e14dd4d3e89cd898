// async_pump's composed operations: into a ring (zero-copy reads straight into the sink's ring memory),
// out of a ring (zero-copy writes straight out of the source's), or through one buffer between two
// streams that are not ringpipe endpoints. Each completes with the error and the count so far and makes
// no throwing call inside its steps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include <asio/async_result.hpp>
#include <asio/buffer.hpp>
#include <asio/cancellation_type.hpp>
#include <asio/compose.hpp>
#include <asio/error.hpp>
#include <asio/write.hpp>

#include "ringpipe/basic_reader.hpp"
#include "ringpipe/basic_stream.hpp"
#include "ringpipe/basic_writer.hpp"
#include "ringpipe/pump_options.hpp"

namespace ringpipe {

namespace detail {

template <class T>
struct ring_writer_of {
  static constexpr bool value = false;
};
template <class Executor>
struct ring_writer_of<basic_writer<Executor>> {
  static constexpr bool value = true;
  static basic_writer<Executor>& get(basic_writer<Executor>& w) noexcept { return w; }
};
template <class Executor>
struct ring_writer_of<basic_stream<Executor>> {
  static constexpr bool value = true;
  static basic_writer<Executor>& get(basic_stream<Executor>& s) noexcept { return s.writer(); }
};

template <class T>
struct ring_reader_of {
  static constexpr bool value = false;
};
template <class Executor>
struct ring_reader_of<basic_reader<Executor>> {
  static constexpr bool value = true;
  static basic_reader<Executor>& get(basic_reader<Executor>& r) noexcept { return r; }
};
template <class Executor>
struct ring_reader_of<basic_stream<Executor>> {
  static constexpr bool value = true;
  static basic_reader<Executor>& get(basic_stream<Executor>& s) noexcept { return s.reader(); }
};

// Ends a ringpipe sink at the source's end of stream; other sinks are left as they are.
template <class Sink>
void finish_sink(Sink& sink, const pump_options& options) {
  if constexpr (ring_writer_of<Sink>::value)
    if (options.close_sink) ring_writer_of<Sink>::get(sink).close();
}

// Whether the pump's own cancellation was requested: honoured between steps, so that a pump whose
// steps all complete at once (data keeps flowing) still stops.
template <class Self>
bool cancelled(const Self& self) {
  // The state's copy shares the composed operation's record of what was requested.
  return self.get_cancellation_state().cancelled() != asio::cancellation_type::none;
}

// Source -> the sink's ring memory: wait for room, read into it, commit. Every call in a step reports
// errors through error_code: a step never throws out of the executor running it.
template <class Source, class Sink>
struct pump_into_ring {
  Source& source;
  Sink& sink;
  pump_options options;
  // Keeps the ring mapped while the source's read may write into it, even if the sink is closed.
  ring ring_handle = ring_of(ring_writer_of<Sink>::get(sink));
  std::uint64_t total = 0;
  enum { starting, waited, read } state = starting;

  template <class Self>
  void operator()(Self& self, std::error_code ec = {}, std::size_t n = 0) {
    auto& writer = ring_writer_of<Sink>::get(sink);
    switch (state) {
    case starting: state = waited; return writer.async_wait(std::move(self));
    case waited: {
      if (ec) return self.complete(ec, total);
      if (cancelled(self)) return self.complete(asio::error::operation_aborted, total);
      const asio::mutable_buffer room = writer.prepare(std::numeric_limits<std::size_t>::max(), ec);
      if (ec) return self.complete(ec, total);
      state = read;
      return source.async_read_some(room, std::move(self));
    }
    case read:
      if (n != 0) {
        std::error_code commit_error;
        writer.commit(n, commit_error);
        if (commit_error) return self.complete(commit_error, total);
        total += n;
      }
      if (ec == asio::error::eof) {
        finish_sink(sink, options);
        return self.complete({}, total);
      }
      if (ec) return self.complete(ec, total);
      if (cancelled(self)) return self.complete(asio::error::operation_aborted, total);
      state = waited;
      return writer.async_wait(std::move(self));
    }
  }
};

// The source's ring memory -> sink: wait for data, write it out of the ring, consume what was written.
template <class Source, class Sink>
struct pump_out_of_ring {
  Source& source;
  Sink& sink;
  pump_options options;
  // Keeps the ring mapped while the sink's write may read from it, even if the source is closed.
  ring ring_handle = ring_of(ring_reader_of<Source>::get(source));
  std::uint64_t total = 0;
  enum { starting, waited, wrote } state = starting;

  template <class Self>
  void operator()(Self& self, std::error_code ec = {}, std::size_t n = 0) {
    auto& reader = ring_reader_of<Source>::get(source);
    switch (state) {
    case starting: state = waited; return reader.async_wait(std::move(self));
    case waited: {
      if (ec == asio::error::eof) {
        finish_sink(sink, options);
        return self.complete({}, total);
      }
      if (ec) return self.complete(ec, total);
      if (cancelled(self)) return self.complete(asio::error::operation_aborted, total);
      const asio::const_buffer bytes = reader.data(ec);
      if (ec) return self.complete(ec, total);
      state = wrote;
      return sink.async_write_some(bytes, std::move(self));
    }
    case wrote: {
      // The bytes reached the sink whatever happens to the reader now: they count.
      total += n;
      std::error_code consume_error;
      if (n != 0) reader.consume(n, consume_error);
      if (ec) return self.complete(ec, total);
      if (consume_error) return self.complete(consume_error, total);
      if (cancelled(self)) return self.complete(asio::error::operation_aborted, total);
      state = waited;
      return reader.async_wait(std::move(self));
    }
    }
  }
};

// Neither side is a ring: one bounded buffer, read into and written out in full.
template <class Source, class Sink>
struct pump_through_buffer {
  Source& source;
  Sink& sink;
  pump_options options;
  std::vector<std::byte> buffer = std::vector<std::byte>(options.buffer_size);
  std::uint64_t total = 0;
  enum { starting, read, wrote } state = starting;

  template <class Self>
  void operator()(Self& self, std::error_code ec = {}, std::size_t n = 0) {
    switch (state) {
    case starting: state = read; return source.async_read_some(asio::buffer(buffer), std::move(self));
    case read:
      if (ec == asio::error::eof) return self.complete({}, total);
      if (ec) return self.complete(ec, total);
      if (cancelled(self)) return self.complete(asio::error::operation_aborted, total);
      state = wrote;
      return asio::async_write(sink, asio::buffer(buffer.data(), n), std::move(self));
    case wrote:
      total += n;
      if (ec) return self.complete(ec, total);
      if (cancelled(self)) return self.complete(asio::error::operation_aborted, total);
      state = read;
      return source.async_read_some(asio::buffer(buffer), std::move(self));
    }
  }
};

template <class Source, class Sink>
auto make_pump(Source& source, Sink& sink, const pump_options& options) {
  if constexpr (ring_reader_of<Source>::value)
    return pump_out_of_ring<Source, Sink>{source, sink, options};
  else if constexpr (ring_writer_of<Sink>::value)
    return pump_into_ring<Source, Sink>{source, sink, options};
  else
    return pump_through_buffer<Source, Sink>{source, sink, options};
}

} // namespace detail

} // namespace ringpipe
