// The whole public API of ringpipe.
#pragma once

#include "ringpipe/async_pump.hpp"
#include "ringpipe/basic_reader.hpp"
#include "ringpipe/basic_stream.hpp"
#include "ringpipe/basic_writer.hpp"
#include "ringpipe/endpoint_statistics.hpp"
#include "ringpipe/error.hpp"
#include "ringpipe/make_pipe.hpp"
#include "ringpipe/queue.hpp"
#include "ringpipe/ring.hpp"
#include "ringpipe/ring_status.hpp"
#include "ringpipe/shared_ring.hpp"
#include "ringpipe/wait_options.hpp"
