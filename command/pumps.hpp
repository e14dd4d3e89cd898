// The two sides of a transfer around its middle ring: fill_ring reads the input straight into ring
// memory (prepare / read(2) / commit); drain_ring writes straight out of it (data / write(2) /
// consume) to one output, drain_ring_to_all (fanout.cpp) to several. relay_sides (relay.cpp) does both
// on one thread, for one descriptor in and one out, and lets the kernel move the bytes while the ring is
// empty.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "byte_stream.hpp"
#include "ringpipe/basic_reader.hpp"
#include "ringpipe/basic_writer.hpp"
#include "stream_tap.hpp"
#include "transfer_state.hpp"

namespace ringpipe_cmd {

struct fill_job {
  byte_source& source;
  std::string input_spec;
  ringpipe::writer& ring;
  std::string
      ring_output_spec; // set when the ring is a shm: output: its reader going away is an output error
  std::size_t block_size;
  std::uint64_t rate_limit;
  stream_tap* tap; // null when the output side taps
};

// Runs until the input ends, a stop is requested or a side fails; then closes the ring, so that the
// output side drains it and sees the end.
void fill_ring(const fill_job& job, transfer_state& state);

struct output {
  byte_sink& sink;
  std::string spec;
};

struct drain_job {
  ringpipe::reader& ring;
  std::string ring_input_spec; // set when the ring is a shm: input: its writer dying is an input error
  std::vector<output> outputs;
  bool drop_failed_outputs;
  std::size_t block_size;
  std::uint64_t rate_limit;
  stream_tap* tap;                   // null when the input side taps
  std::uint64_t start_fill;          // --start-at in bytes: 0 to start at once
  std::function<bool()> input_ended; // for --start-at: whether no more bytes will come
};

// Runs until the ring ends (eof), every output failed, or (after a stop, for a shm: input) the ring is
// empty; closes the ring when it gives up, so that the input side stops.
void drain_ring(const drain_job& job, transfer_state& state);

// drain_ring for several outputs: each gets every byte, the slowest sets the pace (fanout.cpp).
void drain_ring_to_all(const drain_job& job, transfer_state& state);

// Waits, polling, until the ring holds job.start_fill bytes, the input ended, or a stop was requested.
void wait_for_start(const drain_job& job, const transfer_state& state);

// Waits for data, counting the time as the output side's wait on an empty ring. False at the end of
// the stream (ec is eof), on an error, or after a stop when the ring is a shm: input (whose writer is
// another program's: the buffered bytes were delivered, nothing more is read).
bool wait_for_data(const drain_job& job, transfer_state& state, std::error_code& ec);

// Reports a sink's write error and tells whether the transfer goes on without it.
bool report_output_failure(const drain_job& job, const output& failed, const std::error_code& ec,
                           transfer_state& state);

// Reports how the ring ended, if not with eof: a shm: input's error (peer_dead), or our own ring's.
void report_ring_end(const drain_job& job, const std::error_code& ec, transfer_state& state);

struct relay_job {
  byte_source& source; // both on a descriptor (descriptor() >= 0)
  std::string input_spec;
  byte_sink& sink;
  std::string output_spec;
  ringpipe::writer& writer; // the two ends of the transfer's own middle ring
  ringpipe::reader& reader;
  std::size_t block_size;
  stream_tap* tap;
  bool kernel_copies; // while the ring is empty, let the kernel move the bytes (kernel_copy.hpp)
};

// fill_ring and drain_ring on the calling thread: poll(2) picks the side that can move. Runs until the
// input ended and the ring drained, a stop was requested and the ring drained, or the output or the
// ring failed; then finishes the output. No --rate-limit or --start-at (run_transfer keeps those on
// two threads).
void relay_sides(const relay_job& job, transfer_state& state);

} // namespace ringpipe_cmd
