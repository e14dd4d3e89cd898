// The command line: the transfer's options and the named-ring subcommands (ls, inspect, rm), parsed
// with CLI11.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace ringpipe_cmd {

enum class on_output_error { fail, drop };

struct transfer_options {
  std::string input = "-";
  std::vector<std::string> outputs; // empty: standard output
  std::uint64_t ring_size = 16 << 20;
  std::uint64_t block_size = 1 << 20;
  bool create = false;
  on_output_error output_errors = on_output_error::fail;
  double start_at_percent = 0;
  std::uint64_t rate_limit = 0; // bytes per second, 0 for none
  bool kernel_copies = true;    // false with --no-splice
  bool stats = false;
  bool stats_json = false;
  bool progress = false;
  bool quiet = false;
  std::string hash; // "" or "xxh3"
};

struct ring_command {
  CLI::App* ls = nullptr;
  CLI::App* inspect = nullptr;
  CLI::App* rm = nullptr;
  std::string name;
  bool json = false;
};

// Declares every option and subcommand on `app`, parsing into `options` and `rings`.
void add_options(CLI::App& app, transfer_options& options, ring_command& rings);

} // namespace ringpipe_cmd
