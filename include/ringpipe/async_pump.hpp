// async_pump: moves bytes from any AsyncReadStream to any AsyncWriteStream until end of stream, with
// bounded memory, like Node's readable.pipe(writable). Zero-copy when a side is a ringpipe endpoint:
// a source reads straight into the sink's ring memory, a sink writes straight out of the source's.
#pragma once

#include <cstdint>
#include <system_error>
#include <utility>

#include <asio/async_result.hpp>
#include <asio/compose.hpp>

#include "ringpipe/detail/pump_operations.hpp"
#include "ringpipe/pump_options.hpp"

namespace ringpipe {

/// Moves bytes from `source` to `sink` until the source's end of stream, then (by default) closes a
/// ringpipe sink and completes with (error_code{}, bytes moved). An error from either side ends it with
/// that error and the count so far; so does cancellation (asio::error::operation_aborted), honoured
/// between steps as well as while a step waits. Both objects must outlive the operation; a ring's
/// memory stays mapped until the operation completes, even if its endpoint is closed meanwhile. Memory: the
/// ring when a side is a ringpipe endpoint, else one buffer of options.buffer_size bytes.
template <class Source, class Sink,
          asio::completion_token_for<void(std::error_code, std::uint64_t)> CompletionToken =
              asio::default_completion_token_t<typename Source::executor_type>>
auto async_pump(
    Source& source, Sink& sink, pump_options options,
    CompletionToken&& token = asio::default_completion_token_t<typename Source::executor_type>()) {
  return asio::async_compose<CompletionToken, void(std::error_code, std::uint64_t)>(
      detail::make_pump(source, sink, options), token, source, sink);
}

/// As the overload taking pump_options, with the default options.
template <class Source, class Sink,
          asio::completion_token_for<void(std::error_code, std::uint64_t)> CompletionToken =
              asio::default_completion_token_t<typename Source::executor_type>>
auto async_pump(
    Source& source, Sink& sink,
    CompletionToken&& token = asio::default_completion_token_t<typename Source::executor_type>()) {
  return async_pump(source, sink, pump_options{}, std::forward<CompletionToken>(token));
}

} // namespace ringpipe
