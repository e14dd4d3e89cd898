// End to end: the file_pipeline example streams a file through two workers into a socket we accept.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <string>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
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
