#include "rings.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "exit_codes.hpp"
#include "report.hpp"
#include "ringpipe/error.hpp"
#include "ringpipe/ring_status.hpp"
#include "ringpipe/shared_ring.hpp"

namespace ringpipe_cmd {
namespace {

const char* role_text(ringpipe::role_state state) {
  switch (state) {
  case ringpipe::role_state::absent: return "absent";
  case ringpipe::role_state::attached: return "attached";
  case ringpipe::role_state::closed: return "closed";
  case ringpipe::role_state::dead: return "dead";
  }
  return "unknown";
}

// A name as JSON wants it; /dev/shm names may hold anything but '/' and NUL.
std::string json_string(const std::string& text) {
  std::string quoted = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') quoted += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      char escape[8];
      std::snprintf(escape, sizeof escape, "\\u%04x", c);
      quoted += escape;
    } else {
      quoted += c;
    }
  }
  return quoted + "\"";
}

void print_row(const std::string& name, const ringpipe::ring_status& s) {
  const double percent =
      s.capacity ? 100.0 * static_cast<double>(s.fill()) / static_cast<double>(s.capacity) : 0;
  std::printf("%-24s %12s %12s %5.1f%%  %-8s %-8s\n", name.c_str(),
              human_bytes(static_cast<double>(s.capacity)).c_str(),
              human_bytes(static_cast<double>(s.fill())).c_str(), percent, role_text(s.writer),
              role_text(s.reader));
}

void print_json(const std::string& name, const ringpipe::ring_status& s) {
  std::printf("{\"name\":%s,\"capacity\":%" PRIu64 ",\"fill\":%" PRIu64 ",\"fill_limit\":%" PRIu64
              ",\"element_size\":%" PRIu32 ",\"write_position\":%" PRIu64 ",\"read_position\":%" PRIu64
              ",\"writer\":\"%s\",\"reader\":\"%s\"}\n",
              json_string(name).c_str(), s.capacity, s.fill(), s.fill_limit, s.element_size, s.write_position,
              s.read_position, role_text(s.writer), role_text(s.reader));
}

void print_header() {
  std::printf("%-24s %12s %12s %6s  %-8s %-8s\n", "NAME", "SIZE", "FILL", "FILL%", "WRITER", "READER");
}

} // namespace

int list_rings(bool json) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/dev/shm", ec))
    names.push_back(entry.path().filename().string());
  if (ec) {
    std::fprintf(stderr, "ringpipe: ls /dev/shm: %s\n", ec.message().c_str());
    return exit_failure;
  }
  std::sort(names.begin(), names.end());
  if (!json) print_header();
  for (const std::string& name : names) {
    const ringpipe::ring_status status = ringpipe::read_ring_status(name, ec);
    if (ec) continue; // not a ring of ours (or not readable): not listed
    json ? print_json(name, status) : print_row(name, status);
  }
  return exit_success;
}

int inspect_ring(const std::string& name, bool json) {
  std::error_code ec;
  const ringpipe::ring_status status = ringpipe::read_ring_status(name, ec);
  if (ec) {
    std::fprintf(stderr, "ringpipe: inspect %s: %s\n", name.c_str(), ec.message().c_str());
    return exit_failure;
  }
  if (json) {
    print_json(name, status);
    return exit_success;
  }
  std::printf(
      "name            %s\ncapacity        %" PRIu64 " (%s)\nfill            %" PRIu64 " (%.1f%%)\n",
      name.c_str(), status.capacity, human_bytes(static_cast<double>(status.capacity)).c_str(), status.fill(),
      status.capacity ? 100.0 * static_cast<double>(status.fill()) / static_cast<double>(status.capacity)
                      : 0);
  std::printf("element size    %" PRIu32 "%s\nwritten         %" PRIu64 "\nread            %" PRIu64
              "\nwriter          %s\nreader          %s\n",
              status.element_size, status.element_size == 1 ? " (byte ring)" : " (queue)",
              status.write_position, status.read_position, role_text(status.writer),
              role_text(status.reader));
  return exit_success;
}

int remove_ring(const std::string& name) {
  std::error_code ec;
  // Refuse to unlink what is not a ring of ours: rm is not a general /dev/shm cleaner.
  ringpipe::read_ring_status(name, ec);
  if (!ec) ringpipe::remove_shared_ring(name, ec);
  if (ec) {
    std::fprintf(stderr, "ringpipe: rm %s: %s\n", name.c_str(), ec.message().c_str());
    return exit_failure;
  }
  return exit_success;
}

} // namespace ringpipe_cmd
