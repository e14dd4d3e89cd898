// End to end: the seed demo and the cross-process example, run as a user would.
#include <catch2/catch.hpp>

#include <fstream>
#include <string>

#include "child_process.hpp"

using namespace std::chrono_literals;

TEST_CASE("seed_demo consumes 1, 2, 3, ... in order, in threads and in two processes") {
  const bool processes = GENERATE(false, true);
  std::vector<std::string> arguments{RINGPIPE_SEED_DEMO, "--count", "30"};
  if (processes) arguments.push_back("--processes");
  ringpipe::test::child_process demo(arguments);
  for (int n = 1; n <= 30; ++n)
    REQUIRE(demo.read_line() == "Consumed: " + std::to_string(n));
  CHECK(demo.read_line().empty());
  CHECK(demo.wait_for_exit(10s) == 0);
}

TEST_CASE("cross_process moves a file from a blocking producer process to a coroutine consumer process") {
  const std::string path = "cross_process_input.bin";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    for (std::uint32_t i = 0; i < (6u << 20) / 4; ++i)
      out.write(reinterpret_cast<const char*>(&i), 4);
  }
  ringpipe::test::child_process example({RINGPIPE_CROSS_PROCESS, path, "--ring", "65536"});
  const std::string consumer = example.read_line();
  const std::string producer = example.read_line();
  CHECK(example.wait_for_exit(30s) == 0);
  CHECK_THAT(consumer, Catch::StartsWith("consumer (coroutine): 6291456 bytes, checksum "));
  CHECK_THAT(producer, Catch::StartsWith("producer (blocking): 6291456 bytes, checksum "));
  CHECK(consumer.substr(consumer.find("checksum")) == producer.substr(producer.find("checksum")));
}
