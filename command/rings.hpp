// `ringpipe ls`, `ringpipe inspect NAME`, `ringpipe rm NAME`: the named rings in /dev/shm.
#pragma once

#include <string>

namespace ringpipe_cmd {

// Each returns the exit status.
int list_rings(bool json);
int inspect_ring(const std::string& name, bool json);
int remove_ring(const std::string& name);

} // namespace ringpipe_cmd
