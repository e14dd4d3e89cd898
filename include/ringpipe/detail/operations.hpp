// The endpoints' asynchronous operations, each as one non-blocking attempt (see pending_operation.hpp).
#pragma once

#include <cstddef>
#include <optional>
#include <system_error>
#include <tuple>

#include "ringpipe/detail/attempts.hpp"
#include "ringpipe/detail/endpoint_state.hpp"

namespace ringpipe::detail {

template <class ConstBufferSequence>
struct write_some_operation {
  using result_type = std::tuple<std::error_code, std::size_t>;

  ConstBufferSequence buffers;

  std::optional<result_type> attempt(writer_state& state) const {
    std::error_code ec;
    if (std::optional<std::size_t> written = try_write_some(state, buffers, ec))
      return result_type{ec, *written};
    return std::nullopt;
  }

  static result_type failed(std::error_code ec) { return {ec, 0}; }
};

template <class MutableBufferSequence>
struct read_some_operation {
  using result_type = std::tuple<std::error_code, std::size_t>;

  MutableBufferSequence buffers;

  std::optional<result_type> attempt(reader_state& state) const {
    std::error_code ec;
    if (std::optional<std::size_t> read = try_read_some(state, buffers, ec)) return result_type{ec, *read};
    return std::nullopt;
  }

  static result_type failed(std::error_code ec) { return {ec, 0}; }
};

struct wait_operation {
  using result_type = std::tuple<std::error_code>;

  template <class State>
  std::optional<result_type> attempt(State& state) const {
    std::error_code ec;
    if (try_wait(state, ec)) return result_type{ec};
    return std::nullopt;
  }

  static result_type failed(std::error_code ec) { return {ec}; }
};

} // namespace ringpipe::detail
