// A stream pair as the next layer of Asio's layered streams.
#include <catch2/catch.hpp>

#include <array>
#include <string>
#include <type_traits>
#include <utility>

#include <asio/buffered_read_stream.hpp>
#include <asio/buffered_stream.hpp>
#include <asio/buffered_write_stream.hpp>
#include <asio/io_context.hpp>
#include <asio/read.hpp>
#include <asio/read_until.hpp>
#include <asio/ssl.hpp>
#include <asio/streambuf.hpp>
#include <asio/system_executor.hpp>
#include <asio/write.hpp>

#include "ringpipe/ringpipe.hpp"

using namespace std::chrono_literals;

TEST_CASE("asio::buffered_stream layers over a ringpipe stream") {
  auto [a, b] = ringpipe::make_stream_pair(asio::system_executor(), 4096);
  // Asio 1.22's buffered_stream builds its next layer from an lvalue: layer over a reference.
  asio::buffered_stream<ringpipe::stream&> buffered(a);
  asio::write(buffered, asio::buffer(std::string("buffered line\n")));
  buffered.flush();
  asio::streambuf line;
  CHECK(asio::read_until(b, line, '\n') == 14);
  asio::write(b, asio::buffer(std::string("reply")));
  std::array<char, 5> in{};
  asio::read(buffered, asio::buffer(in));
  CHECK(std::string(in.data(), 5) == "reply");
  buffered.lowest_layer().close();
}

TEST_CASE("asio::buffered_read_stream and buffered_write_stream layer over a reader and a writer") {
  asio::io_context io;
  auto [w, r] = ringpipe::make_pipe(io, 4096);
  asio::buffered_write_stream<ringpipe::writer&> out(w);
  asio::buffered_read_stream<ringpipe::reader&> in(r);
  STATIC_REQUIRE(std::is_same_v<decltype(out)::lowest_layer_type, ringpipe::writer>);
  STATIC_REQUIRE(std::is_same_v<decltype(in)::lowest_layer_type, ringpipe::reader>);
  CHECK(&out.lowest_layer() == &w);
  CHECK(&std::as_const(in.next_layer()).lowest_layer() == &r);

  asio::write(out, asio::buffer(std::string("first\nsecond\n")));
  CHECK(r.data().size() == 0); // still in the write buffer
  out.flush();
  asio::streambuf line;
  CHECK(asio::read_until(in, line, '\n') == 6);

  // The asynchronous paths: a fill of the read buffer parks until the writer's flush.
  std::size_t filled = 0;
  in.async_fill([&](std::error_code ec, std::size_t n) {
    CHECK_FALSE(ec);
    filled = n;
  });
  asio::write(out, asio::buffer(std::string("third\n")));
  out.async_flush([](std::error_code ec, std::size_t) { CHECK_FALSE(ec); });
  io.run();
  CHECK(filled > 0);
  out.lowest_layer().close();
}

TEST_CASE("asio::ssl::stream handshakes and talks over a ringpipe stream pair") {
  asio::io_context io;
  auto [a, b] = ringpipe::make_stream_pair(io, 16 * 1024);
  asio::ssl::context server_context(asio::ssl::context::tls_server);
  server_context.use_certificate_chain_file(RINGPIPE_TEST_DATA "/test_cert.pem");
  server_context.use_private_key_file(RINGPIPE_TEST_DATA "/test_key.pem", asio::ssl::context::pem);
  asio::ssl::context client_context(asio::ssl::context::tls_client);
  client_context.load_verify_file(RINGPIPE_TEST_DATA "/test_cert.pem");
  asio::ssl::stream<ringpipe::stream> server(std::move(a), server_context);
  asio::ssl::stream<ringpipe::stream> client(std::move(b), client_context);
  client.set_verify_mode(asio::ssl::verify_peer);

  std::string received(11, '\0');
  std::error_code server_result, client_result;
  server.async_handshake(asio::ssl::stream_base::server, [&](std::error_code ec) {
    server_result = ec;
    if (!ec)
      asio::async_read(server, asio::buffer(received),
                       [&](std::error_code read_ec, std::size_t) { server_result = read_ec; });
  });
  client.async_handshake(asio::ssl::stream_base::client, [&](std::error_code ec) {
    client_result = ec;
    if (!ec)
      asio::async_write(client, asio::buffer(std::string("hello, tls!")),
                        [&](std::error_code write_ec, std::size_t) { client_result = write_ec; });
  });
  io.run_for(20s);
  CHECK(io.stopped());
  CHECK_FALSE(server_result);
  CHECK_FALSE(client_result);
  CHECK(received == "hello, tls!");
}
