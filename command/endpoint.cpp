#include "endpoint.hpp"

#include <cerrno>
#include <cstring>
#include <system_error>

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace ringpipe_cmd {
namespace {

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error(errno, std::system_category(), what);
}

bool starts_with(std::string_view text, std::string_view prefix, std::string_view& rest) {
  if (text.substr(0, prefix.size()) != prefix) return false;
  rest = text.substr(prefix.size());
  return true;
}

// "HOST:PORT", "[V6]:PORT" or ":PORT"; the port is whatever follows the last colon.
bool split_host_port(std::string_view text, endpoint& parsed) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == text.size()) return false;
  std::string_view host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  parsed.host = host;
  parsed.port = text.substr(colon + 1);
  return true;
}

class address_list {
public:
  address_list(const endpoint& where, bool passive) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = passive ? AI_PASSIVE : 0;
    const char* host = where.host.empty() ? nullptr : where.host.c_str();
    const int status = ::getaddrinfo(host, where.port.c_str(), &hints, &list_);
    if (status == EAI_SYSTEM) throw_errno("getaddrinfo");
    if (status != 0) throw std::runtime_error(::gai_strerror(status));
  }
  address_list(const address_list&) = delete;
  address_list& operator=(const address_list&) = delete;
  ~address_list() { ::freeaddrinfo(list_); }
  const addrinfo* begin() const { return list_; }

private:
  addrinfo* list_ = nullptr;
};

int connect_tcp(const endpoint& where) {
  const address_list addresses(where, false);
  int failure = ECONNREFUSED;
  for (const addrinfo* a = addresses.begin(); a != nullptr; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      failure = errno;
      continue;
    }
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) return fd;
    failure = errno;
    ::close(fd);
  }
  throw std::system_error(failure, std::system_category());
}

// Accepts one connection on `listener`, which it closes.
int accept_one(int listener) {
  if (::listen(listener, 1) != 0) {
    const int failure = errno;
    ::close(listener);
    throw std::system_error(failure, std::system_category());
  }
  int fd;
  do
    fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  const int failure = errno;
  ::close(listener);
  if (fd < 0) throw std::system_error(failure, std::system_category());
  return fd;
}

int listen_tcp(const endpoint& where) {
  const address_list addresses(where, true);
  int failure = EADDRNOTAVAIL;
  for (const addrinfo* a = addresses.begin(); a != nullptr; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      failure = errno;
      continue;
    }
    const int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0) return accept_one(fd);
    failure = errno;
    ::close(fd);
  }
  throw std::system_error(failure, std::system_category());
}

int unix_socket(const endpoint& where, bool listen) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (where.address.size() >= sizeof address.sun_path)
    throw std::system_error(std::make_error_code(std::errc::filename_too_long));
  std::memcpy(address.sun_path, where.address.c_str(), where.address.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw_errno("socket");
  const auto* raw = reinterpret_cast<const sockaddr*>(&address);
  const int status = listen ? ::bind(fd, raw, sizeof address) : ::connect(fd, raw, sizeof address);
  if (status != 0) {
    const int failure = errno;
    ::close(fd);
    throw std::system_error(failure, std::system_category());
  }
  if (!listen) return fd;
  // The path served to find one connection: once the listener is closed it is a dead name, on which
  // the next unix-listen: would fail (EADDRINUSE), so it goes, as socat's UNIX-LISTEN removes its own.
  struct remove_path {
    const std::string& path;
    ~remove_path() { ::unlink(path.c_str()); }
  } remove_when_done{where.address};
  return accept_one(fd);
}

int open_file(const std::string& path, direction side) {
  const int flags = side == direction::input ? O_RDONLY : O_WRONLY | O_CREAT | O_TRUNC;
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0666);
  if (fd < 0) throw_errno("open");
  return fd;
}

} // namespace

std::optional<endpoint> parse_endpoint(std::string_view spec, std::string& problem) {
  endpoint parsed;
  parsed.spec = spec;
  std::string_view rest;
  if (spec == "-") {
    parsed.kind = endpoint_kind::standard;
  } else if (starts_with(spec, "tcp:", rest) || starts_with(spec, "tcp-listen:", rest)) {
    parsed.kind = spec.starts_with("tcp:") ? endpoint_kind::tcp_connect : endpoint_kind::tcp_listen;
    if (!split_host_port(rest, parsed) ||
        (parsed.kind == endpoint_kind::tcp_connect && parsed.host.empty())) {
      problem = "expected tcp:HOST:PORT or tcp-listen:[HOST]:PORT";
      return std::nullopt;
    }
  } else if (starts_with(spec, "unix:", rest) || starts_with(spec, "unix-listen:", rest)) {
    parsed.kind = spec.starts_with("unix:") ? endpoint_kind::unix_connect : endpoint_kind::unix_listen;
    parsed.address = rest;
  } else if (starts_with(spec, "shm:", rest)) {
    parsed.kind = endpoint_kind::shm;
    parsed.address = rest;
    if (rest.empty() || rest.find('/') != std::string_view::npos) {
      problem = "expected shm:NAME, a name without '/'";
      return std::nullopt;
    }
  } else {
    parsed.kind = endpoint_kind::file;
    parsed.address = spec;
  }
  if (parsed.kind != endpoint_kind::shm && parsed.kind != endpoint_kind::standard && parsed.address.empty() &&
      parsed.port.empty()) {
    problem = "expected a path";
    return std::nullopt;
  }
  return parsed;
}

int open_endpoint(const endpoint& where, direction side) {
  switch (where.kind) {
  case endpoint_kind::standard: return side == direction::input ? STDIN_FILENO : STDOUT_FILENO;
  case endpoint_kind::file: return open_file(where.address, side);
  case endpoint_kind::tcp_connect: return connect_tcp(where);
  case endpoint_kind::tcp_listen: return listen_tcp(where);
  case endpoint_kind::unix_connect: return unix_socket(where, false);
  case endpoint_kind::unix_listen: return unix_socket(where, true);
  case endpoint_kind::shm: break;
  }
  throw std::logic_error("shm: endpoints are rings, not file descriptors");
}

std::optional<unsigned long long> known_size(int fd) {
  struct stat file {};
  if (::fstat(fd, &file) != 0 || !S_ISREG(file.st_mode)) return std::nullopt;
  return static_cast<unsigned long long>(file.st_size);
}

} // namespace ringpipe_cmd
