// What the writer and the reader share: ring runs as buffers, deadlines, and the constraints on
// executors and execution contexts.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <concepts>
#include <cstddef>

#include <asio/buffer.hpp>
#include <asio/execution_context.hpp>

#include "ringpipe/core/cursors.hpp"
#include "ringpipe/ring.hpp"

namespace ringpipe::detail {

template <class T>
concept execution_context_ref = std::convertible_to<T&, asio::execution_context&>;

// The run as ring memory: one span when mirrored, else up to two (the second starts at the data
// area's beginning and is empty when the run does not cross the end).
inline std::array<asio::mutable_buffer, 2> ring_buffers(const ring& memory, core::region run) noexcept {
  std::byte* const data = memory.data();
  if (memory.mirrored()) return {asio::mutable_buffer(data + run.offset, run.size), asio::mutable_buffer()};
  const std::size_t first = std::min(run.size, memory.capacity() - run.offset);
  return {asio::mutable_buffer(data + run.offset, first), asio::mutable_buffer(data, run.size - first)};
}

// The first contiguous piece of the run: all of it when mirrored.
inline asio::mutable_buffer first_span(const ring& memory, core::region run, std::size_t max_size) noexcept {
  return asio::buffer(ring_buffers(memory, run)[0], max_size);
}

inline core::deadline deadline_after(std::chrono::steady_clock::duration timeout) {
  return std::chrono::steady_clock::now() + timeout;
}

template <class Executor, class ExecutionContext>
Executor executor_of(ExecutionContext& context) {
  return Executor(context.get_executor());
}

} // namespace ringpipe::detail
