// ringpipe, the command: a hard-backpressure buffer between any two byte streams, and the tool that
// lists, inspects and removes named rings. See command/README.md.
#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>

#include "exit_codes.hpp"
#include "options.hpp"
#include "rings.hpp"
#include "signals.hpp"
#include "transfer.hpp"

int main(int argc, char** argv) {
  ringpipe_cmd::prepare_signals();
  CLI::App app("ringpipe: moves a byte stream through a ring buffer with hard backpressure", "ringpipe");
  ringpipe_cmd::transfer_options options;
  ringpipe_cmd::ring_command rings;
  ringpipe_cmd::add_options(app, options, rings);
  CLI11_PARSE(app, argc, argv);
  try {
    if (rings.ls->parsed()) return ringpipe_cmd::list_rings(rings.json);
    if (rings.inspect->parsed()) return ringpipe_cmd::inspect_ring(rings.name, rings.json);
    if (rings.rm->parsed()) return ringpipe_cmd::remove_ring(rings.name);
    return ringpipe_cmd::run_transfer(options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ringpipe: %s\n", e.what());
    return ringpipe_cmd::exit_failure;
  }
}
