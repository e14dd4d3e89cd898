// End to end: the seed demo and the cross-process example, run as a user would; and their command lines,
// with the throughput demo's.
#include <catch2/catch.hpp>

#include <fstream>
#include <string>
#include <utility>
#include <vector>

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

TEST_CASE("seed_demo refuses a count that is negative or not a number, naming the option") {
  const std::string count = GENERATE("abc", "-1");
  const auto run = ringpipe::test::run_to_exit({RINGPIPE_SEED_DEMO, "--count", count});
  REQUIRE(run.status.has_value());
  CHECK(*run.status != 0);
  CHECK_THAT(run.output, Catch::Contains("--count: ") && Catch::Contains(count));
}

TEST_CASE("cross_process refuses a missing input file by name, before any consumer starts") {
  const auto run = ringpipe::test::run_to_exit({RINGPIPE_CROSS_PROCESS, "no-such-input.bin"});
  REQUIRE(run.status.has_value());
  CHECK(*run.status != 0);
  CHECK_THAT(run.output, Catch::Contains("no-such-input.bin") && Catch::Contains("does not exist"));
  CHECK_THAT(run.output, !Catch::Contains("consumer"));
}

TEST_CASE("cross_process refuses a ring size that is 0 or not a size, naming the option") {
  const std::string size = GENERATE("0", "lots");
  const std::string path = "cross_process_small_input.txt";
  std::ofstream(path) << "a few bytes\n";
  const auto run = ringpipe::test::run_to_exit({RINGPIPE_CROSS_PROCESS, path, "--ring", size});
  REQUIRE(run.status.has_value());
  CHECK(*run.status != 0);
  CHECK_THAT(run.output, Catch::Contains("--ring: ") && Catch::Contains(size));
}

TEST_CASE("throughput_demo refuses a byte count or a ring size that is not a size, naming the option") {
  const std::string option = GENERATE("--bytes", "--ring");
  const auto run = ringpipe::test::run_to_exit({RINGPIPE_THROUGHPUT_DEMO, option, "lots"});
  REQUIRE(run.status.has_value());
  CHECK(*run.status != 0);
  CHECK_THAT(run.output, Catch::Contains(option + ": ") && Catch::Contains("lots"));
}

TEST_CASE("seed_demo, cross_process and throughput_demo answer --help with their options and exit with 0") {
  const auto [program, option] =
      GENERATE(std::pair{RINGPIPE_SEED_DEMO, "--count"}, std::pair{RINGPIPE_CROSS_PROCESS, "--ring"},
               std::pair{RINGPIPE_THROUGHPUT_DEMO, "--bytes"});
  const auto run = ringpipe::test::run_to_exit({program, "--help"});
  CHECK(run.status == 0);
  CHECK_THAT(run.output, Catch::Contains(option));
}
