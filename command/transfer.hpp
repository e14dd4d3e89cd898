// `ringpipe [options] [-i SRC] [-o DST]...`: opens the endpoints, picks the middle ring, runs the
// input and output sides, and reports.
#pragma once

#include "options.hpp"

namespace ringpipe_cmd {

// Returns the exit status (exit_codes.hpp). prepare_signals() must have run.
int run_transfer(const transfer_options& options);

} // namespace ringpipe_cmd
