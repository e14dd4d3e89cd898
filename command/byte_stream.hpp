// The two ends of a transfer as byte streams: a source the input side reads from, a sink each output
// writes to. File descriptors use read(2)/write(2) straight on ring memory; a shm: output that is not
// the transfer's middle ring is written by copying through its writer.
#pragma once

#include <cstddef>
#include <memory>
#include <system_error>

#include <asio/buffer.hpp>

#include "ringpipe/basic_reader.hpp"
#include "ringpipe/basic_writer.hpp"

namespace ringpipe_cmd {

class byte_source {
public:
  virtual ~byte_source() = default;
  // Reads at least one byte into `into`, blocking; 0 with asio::error::eof at the end, 0 with
  // std::errc::interrupted when a signal interrupted the wait (the caller checks for a stop).
  virtual std::size_t read_some(asio::mutable_buffer into, std::error_code& ec) = 0;
  // The file descriptor read from, for a one-thread relay (relay_sides); -1 when there is none.
  virtual int descriptor() const noexcept { return -1; }
};

class byte_sink {
public:
  virtual ~byte_sink() = default;
  // Writes at least one byte of `from`, blocking.
  virtual std::size_t write_some(asio::const_buffer from, std::error_code& ec) = 0;
  // Ends the stream for the far side (a socket's peer sees end of stream) and reports a failure to
  // flush (a file's close may report a write error).
  virtual void finish(std::error_code& ec) = 0;
  // The file descriptor written to, for a one-thread relay (relay_sides); -1 when there is none.
  virtual int descriptor() const noexcept { return -1; }
};

// Takes ownership of `fd` unless it is standard input or output. A pipe is grown to hold a block.
std::unique_ptr<byte_source> make_fd_source(int fd, std::size_t block_size);
std::unique_ptr<byte_sink> make_fd_sink(int fd, std::size_t block_size);

// A shm: output written by copying into its ring, for when the transfer's middle ring is another one
// (several outputs, or a shm: input). A shm: input is always the middle ring, so needs no source.
std::unique_ptr<byte_sink> make_ring_sink(ringpipe::writer writer);

} // namespace ringpipe_cmd
