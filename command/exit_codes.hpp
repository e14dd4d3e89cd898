// The ringpipe command's exit statuses, documented in command/README.md. Usage errors keep CLI11's own
// statuses (CLI::ExitCodes, 100 and above), as every other program of this repository does: 105 for a
// bad value (out of range, not a size, a malformed endpoint, not drop|fail), 106 for a missing
// required argument, 109 for an unknown option or a stray argument, 114 for an option without its
// value. Each is distinct from the input (2) and output (3) errors below.
#pragma once

namespace ringpipe_cmd {

inline constexpr int exit_success = 0;
// The transfer could not be set up or a named-ring command (ls, inspect, rm) failed.
inline constexpr int exit_failure = 1;
// The input could not be opened or read (including a dead shm: writer).
inline constexpr int exit_input_error = 2;
// An output could not be opened or written (including a closed or dead shm: reader).
inline constexpr int exit_output_error = 3;
// The first SIGINT or SIGTERM: reading stopped and what was buffered was delivered. 128 + SIGINT, as
// shells report a program killed by SIGINT.
inline constexpr int exit_interrupted = 130;

} // namespace ringpipe_cmd
