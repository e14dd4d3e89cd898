// End to end: the file_pipeline example streams a file through two workers into a socket we accept.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <string>

#include <unistd.h>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/read.hpp>

#include "child_process.hpp"
#include "test_support.hpp"

namespace {

// A file of text lines, written once per test run.
std::string make_input(std::size_t lines) {
  const std::string path = "file_pipeline_input.txt";
  std::ofstream out(path, std::ios::trunc);
  for (std::size_t i = 0; i < lines; ++i)
    out << "line " << i << " of the ringpipe file pipeline\n";
  return path;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Runs the example against a listener of ours and returns what arrived, and the example's report.
std::pair<std::string, std::string> run_pipeline(const std::string& input, bool upper) {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::address_v4::loopback(), 0});
  std::vector<std::string> arguments{RINGPIPE_FILE_PIPELINE,
                                     input,
                                     "--to",
                                     std::to_string(acceptor.local_endpoint().port()),
                                     "--ring",
                                     "65536"};
  if (upper) arguments.push_back("--upper");
  ringpipe::test::child_process pipeline(arguments);
  asio::ip::tcp::socket socket = acceptor.accept();
  std::string received;
  std::error_code ec;
  asio::read(socket, asio::dynamic_buffer(received), ec);
  CHECK(ec == asio::error::eof);
  CHECK(pipeline.wait_for_exit(std::chrono::seconds(30)) == 0);
  pipeline.read_line(); // how the file was read
  return {received, pipeline.read_line()};
}

// A port on which a listener waits, so that the pipeline could connect: what stops it must be its input.
struct listener {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor{io, {asio::ip::address_v4::loopback(), 0}};
  std::string port() const { return std::to_string(acceptor.local_endpoint().port()); }
};

} // namespace

TEST_CASE("file_pipeline delivers the file intact through two workers and counts its lines") {
  const std::string input = make_input(200000);
  const auto [received, report] = run_pipeline(input, false);
  CHECK(received == slurp(input));
  CHECK_THAT(report, Catch::Contains("(200000 lines)"));
}

TEST_CASE("file_pipeline --upper upper-cases on the second worker") {
  const std::string input = make_input(1000);
  std::string expected = slurp(input);
  std::transform(expected.begin(), expected.end(), expected.begin(),
                 [](char c) { return static_cast<char>(std::toupper(c)); });
  CHECK(run_pipeline(input, true).first == expected);
}

TEST_CASE("file_pipeline reports a missing input file by name and exits with an error, not a signal") {
  listener destination;
  const auto run =
      ringpipe::test::run_to_exit({RINGPIPE_FILE_PIPELINE, "no-such-input.txt", "--to", destination.port()});
  REQUIRE(run.status.has_value());
  CHECK(*run.status != 0);
  CHECK_THAT(run.output, Catch::Contains("no-such-input.txt") && Catch::Contains("does not exist"));
}

TEST_CASE("file_pipeline reports an input it cannot open with the system's reason, and exits with 1") {
  // A socket file exists, as a file, but open(2) refuses it (ENXIO).
  const std::string path = "file_pipeline_socket";
  ::unlink(path.c_str());
  asio::io_context io;
  asio::local::stream_protocol::acceptor socket_file(io, asio::local::stream_protocol::endpoint(path));
  listener destination;
  const auto run = ringpipe::test::run_to_exit({RINGPIPE_FILE_PIPELINE, path, "--to", destination.port()});
  ::unlink(path.c_str());
  CHECK(run.status == 1);
  CHECK_THAT(run.output, Catch::Contains("file_pipeline: " + path + ": No such device or address"));
}

TEST_CASE("file_pipeline refuses a port that is 0 or not a number, naming the option") {
  const std::string port = GENERATE("abc", "0");
  const auto run = ringpipe::test::run_to_exit({RINGPIPE_FILE_PIPELINE, make_input(10), "--to", port});
  REQUIRE(run.status.has_value());
  CHECK(*run.status != 0);
  CHECK_THAT(run.output, Catch::Contains("--to: ") && Catch::Contains(port));
}

TEST_CASE("file_pipeline refuses a ring size that is 0 or not a size, naming the option") {
  const std::string size = GENERATE("0", "lots");
  const auto run =
      ringpipe::test::run_to_exit({RINGPIPE_FILE_PIPELINE, make_input(10), "--to", "1", "--ring", size});
  REQUIRE(run.status.has_value());
  CHECK(*run.status != 0);
  CHECK_THAT(run.output, Catch::Contains("--ring: ") && Catch::Contains(size));
}

TEST_CASE("file_pipeline --help lists its options and exits with 0") {
  const auto run = ringpipe::test::run_to_exit({RINGPIPE_FILE_PIPELINE, "--help"});
  CHECK(run.status == 0);
  CHECK_THAT(run.output, Catch::Contains("FILE") && Catch::Contains("--to") && Catch::Contains("--ring"));
}
