#include "transfer.hpp"

#include <memory>
#include <optional>
#include <thread>

#include <asio/system_executor.hpp>
#include <unistd.h>

#include "endpoint.hpp"
#include "pumps.hpp"
#include "report.hpp"
#include "ringpipe/make_pipe.hpp"
#include "ringpipe/ring_status.hpp"
#include "ringpipe/shared_ring.hpp"
#include "signals.hpp"

namespace ringpipe_cmd {
namespace {

// An opened endpoint: a file descriptor's stream, or a named ring's role.
struct opened {
  endpoint where;
  std::unique_ptr<byte_source> source;
  std::unique_ptr<byte_sink> sink;
  std::optional<ringpipe::reader> ring_reader;
  std::optional<ringpipe::writer> ring_writer;
  std::optional<std::uint64_t> size;
};

endpoint parsed(const std::string& spec) {
  std::string problem;
  return *parse_endpoint(spec, problem); // validated by the command line already
}

ringpipe::ring open_ring(const endpoint& where, const transfer_options& options) {
  std::error_code ec;
  ringpipe::ring ring = ringpipe::open_shared_ring(where.address, {}, ec);
  if (ec == std::errc::no_such_file_or_directory && options.create) {
    ring = ringpipe::create_shared_ring(where.address, options.ring_size, {}, ec);
    if (ec == std::errc::file_exists) ring = ringpipe::open_shared_ring(where.address, {}, ec);
  }
  if (ec) throw std::system_error(ec);
  return ring;
}

opened open_side(const std::string& spec, direction side, const transfer_options& options) {
  opened result{parsed(spec), {}, {}, {}, {}, {}};
  const auto executor = asio::system_executor();
  if (result.where.kind == endpoint_kind::shm) {
    ringpipe::ring ring = open_ring(result.where, options);
    if (side == direction::input)
      result.ring_reader.emplace(executor, std::move(ring));
    else
      result.ring_writer.emplace(executor, std::move(ring));
    return result;
  }
  const int fd = open_endpoint(result.where, side);
  if (side == direction::input) {
    result.size = known_size(fd);
    result.source = make_fd_source(fd, options.block_size);
  } else {
    result.sink = make_fd_sink(fd, options.block_size);
  }
  return result;
}

// Opens one side, reporting a failure as that side's error; nullopt then.
std::optional<opened> try_open(const std::string& spec, direction side, const transfer_options& options,
                               transfer_state& state) {
  const bool input = side == direction::input;
  try {
    return open_side(spec, side, options);
  } catch (const std::system_error& e) {
    state.fail(input ? exit_input_error : exit_output_error, input ? "input" : "output", spec, e.code());
  } catch (const std::exception& e) {
    state.fail(input ? exit_input_error : exit_output_error, input ? "input" : "output", spec, e.what());
  }
  return std::nullopt;
}

// The ring both sides work on: the shm: input's, the one shm: output's (unless --start-at holds it
// back), or a fresh one in between.
struct middle {
  ringpipe::writer* writer = nullptr; // null: no input side (a shm: input)
  ringpipe::reader* reader = nullptr; // null: no output side (the one output is shm:)
  std::optional<std::pair<ringpipe::writer, ringpipe::reader>> own;
  std::string writer_output_spec;
  std::string reader_input_spec;
};

// Fills `m` in place: its pointers may point into m.own.
void choose_middle(middle& m, opened& input, std::vector<opened>& outputs, const transfer_options& options) {
  if (input.ring_reader) {
    m.reader = &*input.ring_reader;
    m.reader_input_spec = input.where.spec;
  } else if (outputs.size() == 1 && outputs.front().ring_writer && options.start_at_percent == 0) {
    // The input goes straight into the named ring. Not with --start-at: the named ring's reader is
    // another program, which nothing here can hold back, so the command buffers in a ring of its own.
    m.writer = &*outputs.front().ring_writer;
    m.writer_output_spec = outputs.front().where.spec;
    return;
  } else {
    m.own.emplace(ringpipe::make_pipe(asio::system_executor(), options.ring_size));
    m.writer = &m.own->first;
    m.reader = &m.own->second;
  }
  // Every output the middle ring is not: a shm: output is written by copying.
  for (opened& out : outputs)
    if (out.ring_writer) out.sink = make_ring_sink(std::move(*out.ring_writer));
}

drain_job make_drain_job(middle& m, std::vector<opened>& outputs, const transfer_options& options,
                         stream_tap& tap, transfer_state& state) {
  drain_job job{*m.reader,
                m.reader_input_spec,
                {},
                options.output_errors == on_output_error::drop,
                options.block_size,
                options.rate_limit,
                m.writer == nullptr ? &tap : nullptr,
                0,
                {}};
  for (opened& out : outputs)
    job.outputs.push_back({*out.sink, out.where.spec});
  job.start_fill = static_cast<std::uint64_t>(options.start_at_percent / 100 * m.reader->capacity());
  if (m.writer != nullptr) {
    job.input_ended = [&state] { return state.input_ended(); };
  } else {
    // The writer is another program's: it ended when it closed the ring or died.
    const std::string name = parsed(m.reader_input_spec).address;
    job.input_ended = [name] {
      std::error_code ec;
      const ringpipe::ring_status status = ringpipe::read_ring_status(name, ec);
      return ec || status.writer == ringpipe::role_state::closed ||
             status.writer == ringpipe::role_state::dead;
    };
  }
  return job;
}

// One descriptor in, one out, through a ring of the command's own, unpaced: one thread is enough, and
// saves a context switch per hand-over between two (relay.cpp).
bool relays(const middle& m, const opened& input, const std::vector<opened>& outputs,
            const transfer_options& options) {
  return m.own && outputs.size() == 1 && input.source && input.source->descriptor() >= 0 &&
         outputs.front().sink && outputs.front().sink->descriptor() >= 0 && options.rate_limit == 0 &&
         options.start_at_percent == 0;
}

void run_sides(middle& m, opened& input, std::vector<opened>& outputs, const transfer_options& options,
               stream_tap& tap, transfer_state& state) {
  if (relays(m, input, outputs, options)) {
    opened& out = outputs.front();
    // --hash must see every byte, so the kernel moves none of them then.
    relay_sides({*input.source, input.where.spec, *out.sink, out.where.spec, *m.writer, *m.reader,
                 options.block_size, &tap, options.kernel_copies && options.hash.empty()},
                state);
    return;
  }
  std::optional<fill_job> fill;
  if (m.writer != nullptr)
    fill.emplace(fill_job{*input.source, input.where.spec, *m.writer, m.writer_output_spec,
                          options.block_size, options.rate_limit, &tap});
  if (m.reader == nullptr) {
    fill_ring(*fill, state);
    return;
  }
  const drain_job job = make_drain_job(m, outputs, options, tap, state);
  std::thread input_thread;
  if (fill) input_thread = std::thread([&] { fill_ring(*fill, state); });
  if (job.outputs.size() == 1)
    drain_ring(job, state);
  else
    drain_ring_to_all(job, state);
  // The outputs are done: if they gave up early, the input must stop too.
  state.request_stop();
  if (input_thread.joinable()) input_thread.join();
}

} // namespace

int run_transfer(const transfer_options& options) {
  transfer_state state;
  signal_watch signals(state);
  std::optional<opened> input = try_open(options.input, direction::input, options, state);
  if (!input) return state.exit_status();
  std::vector<opened> outputs;
  const std::vector<std::string> specs =
      options.outputs.empty() ? std::vector<std::string>{"-"} : options.outputs;
  for (const std::string& spec : specs) {
    std::optional<opened> out = try_open(spec, direction::output, options, state);
    if (!out) return state.exit_status();
    outputs.push_back(std::move(*out));
  }
  stream_tap tap(options.hash == "xxh3");
  middle m;
  try {
    choose_middle(m, *input, outputs, options);
  } catch (const std::exception& e) {
    state.fail(exit_failure, "ring", "buffer", e.what());
    return state.exit_status();
  }
  const std::uint64_t ring_size = m.reader != nullptr ? m.reader->capacity() : m.writer->capacity();
  signals.transfer_started();
  {
    std::optional<progress_line> progress;
    if (!options.quiet && (options.progress || ::isatty(STDERR_FILENO)))
      progress.emplace(state, ring_size, input->size);
    run_sides(m, *input, outputs, options, tap, state);
  }
  summary_facts facts{ring_size, tap.digest(), std::nullopt, std::nullopt};
  if (m.writer != nullptr) facts.ring_writer = m.writer->statistics();
  if (m.reader != nullptr) facts.ring_reader = m.reader->statistics();
  if (!facts.hash.empty()) std::fprintf(stderr, "%s  xxh3-128\n", facts.hash.c_str());
  if (options.stats) print_summary(state, facts);
  if (options.stats_json) print_summary_json(state, facts);
  return state.exit_status();
}

} // namespace ringpipe_cmd
