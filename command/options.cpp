#include "options.hpp"

#include "endpoint.hpp"
#include "ringpipe/core/layout.hpp"

namespace ringpipe_cmd {
namespace {

// Refuses a malformed endpoint at parse time, with CLI11's usage status.
CLI::Validator endpoint_validator() {
  return CLI::Validator(
      [](const std::string& spec) {
        std::string problem;
        return parse_endpoint(spec, problem) ? std::string() : problem;
      },
      "");
}

void add_endpoints(CLI::App& app, transfer_options& options) {
  app.add_option("-i,--input", options.input,
                 "where to read: - (stdin), a file, tcp:HOST:PORT, tcp-listen:[HOST]:PORT, unix:PATH, "
                 "unix-listen:PATH or shm:NAME")
      ->check(endpoint_validator())
      ->type_name("SRC")
      ->capture_default_str();
  app.add_option("-o,--output", options.outputs,
                 "where to write, as for --input (default -, stdout); repeat it to send every byte to "
                 "each output")
      ->check(endpoint_validator())
      ->type_name("DST");
  app.add_flag("--create", options.create, "create a shm: ring of --ring-size bytes when it does not exist");
  // Parsed from text, not through CLI11's map transformer, which would show its map
  // ({drop->1,fail->0}) in --help instead of the words a user types.
  app.add_option_function<std::string>(
         "--on-output-error",
         [&options](const std::string& policy) {
           options.output_errors = policy == "drop" ? on_output_error::drop : on_output_error::fail;
         },
         "with several outputs: fail (the default) stops the transfer when one fails, drop goes on "
         "without it")
      ->transform(CLI::IsMember({"drop", "fail"}, CLI::ignore_case).description(""))
      ->type_name("drop|fail");
}

// A size in bytes with K, M, G suffixes, shown in --help as SIZE: the validators' own descriptions
// (the unit table, the range) would bury the option's text. Their error messages stay.
CLI::Option* size_option(CLI::App& app, const std::string& name, std::uint64_t& size, std::uint64_t most,
                         const std::string& help) {
  return app.add_option(name, size, help)
      ->transform(CLI::AsSizeValue(false).description(""))
      ->check(CLI::Range(std::uint64_t{1}, most).description(""))
      ->type_name("SIZE");
}

void add_buffer_options(CLI::App& app, transfer_options& options) {
  size_option(app, "-m,--ring-size", options.ring_size, ringpipe::core::max_capacity,
              "bytes in the ring (K, M, G suffixes, powers of 1024)")
      ->capture_default_str();
  size_option(app, "-s,--block-size", options.block_size, std::uint64_t{1} << 30,
              "largest single read or write (K, M, G suffixes)")
      ->capture_default_str();
  app.add_option("--start-at", options.start_at_percent,
                 "do not start writing until the ring is this many percent full (or the input ended)")
      ->check(CLI::Range(0.0, 100.0).description(""))
      ->type_name("PCT");
  size_option(app, "--rate-limit", options.rate_limit, std::uint64_t{1} << 50,
              "bytes per second (K, M, G suffixes), for the input and for each output");
  app.add_flag("!--no-splice", options.kernel_copies,
               "every byte through the ring's memory: no splice(2), sendfile(2) or copy_file_range(2) "
               "while the ring is empty");
}

void add_report_options(CLI::App& app, transfer_options& options) {
  app.add_flag("--stats", options.stats, "print a summary on stderr at the end");
  app.add_flag("--stats-json", options.stats_json, "print the summary as one line of JSON on stderr");
  app.add_flag("--progress", options.progress, "show a live progress line on stderr, even if not a terminal");
  app.add_flag("-q,--quiet", options.quiet, "no progress line, even on a terminal or with --progress");
  app.add_option("--hash", options.hash, "print a hash of the stream on stderr at the end")
      ->check(CLI::IsMember({"xxh3"}).description(""))
      ->type_name("xxh3");
}

void add_ring_commands(CLI::App& app, ring_command& rings) {
  rings.ls = app.add_subcommand("ls", "list the ringpipe rings in /dev/shm");
  rings.ls->add_flag("--json", rings.json, "one JSON object a line");
  rings.inspect = app.add_subcommand("inspect", "show one named ring");
  rings.inspect->add_option("NAME", rings.name, "the ring's name")->required();
  rings.inspect->add_flag("--json", rings.json, "as JSON");
  rings.rm = app.add_subcommand("rm", "remove a named ring (attached processes keep it until they let go)");
  rings.rm->add_option("NAME", rings.name, "the ring's name")->required();
  app.require_subcommand(0, 1);
}

} // namespace

void add_options(CLI::App& app, transfer_options& options, ring_command& rings) {
  app.set_version_flag("--version", "ringpipe " RINGPIPE_VERSION);
  add_endpoints(app, options);
  add_buffer_options(app, options);
  add_report_options(app, options);
  add_ring_commands(app, rings);
}

} // namespace ringpipe_cmd
