// Endpoints as the command line names them (`-`, a path, tcp:HOST:PORT, tcp-listen:[HOST]:PORT,
// unix:PATH, unix-listen:PATH, shm:NAME), and opening the ones that are file descriptors.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ringpipe_cmd {

enum class endpoint_kind { standard, file, tcp_connect, tcp_listen, unix_connect, unix_listen, shm };

enum class direction { input, output };

struct endpoint {
  endpoint_kind kind = endpoint_kind::standard;
  std::string spec;    // as written on the command line: what every message names
  std::string host;    // tcp: empty for "any" (tcp-listen only)
  std::string port;    // tcp
  std::string address; // file path, UNIX socket path, or ring name
};

// Parses a spec; nullopt with `problem` set when it is malformed.
std::optional<endpoint> parse_endpoint(std::string_view spec, std::string& problem);

// Opens an endpoint that is a file descriptor (every kind but shm), blocking until a connection is
// accepted for the listening kinds. Throws std::system_error with the system's reason.
int open_endpoint(const endpoint& where, direction side);

// The size of a regular file open as `fd`, for the ETA; nullopt for anything else.
std::optional<unsigned long long> known_size(int fd);

} // namespace ringpipe_cmd
