#pragma once
// PocoHttpClient: the HttpClient seam over Poco::Net, plain HTTP on TCP or a unix socket. The
// daemon uses it instead of CurlHttpClient because it talks only plain HTTP (Loki on loopback,
// the Docker socket) and so does not load libcurl's TLS stack (several MB of resident memory).
// The TCP connection is kept alive between requests to the same host. One client per thread.

#include <memory>
#include <string>

#include "appliance/host/http_client.hpp"

namespace Poco::Net {
class HTTPClientSession;
}

namespace cairn::logship {

class PocoHttpClient final : public host::HttpClient {
 public:
  PocoHttpClient();
  ~PocoHttpClient() override;
  PocoHttpClient(const PocoHttpClient&) = delete;
  PocoHttpClient& operator=(const PocoHttpClient&) = delete;

  // https:// URLs are refused with kInvalidInput.
  Result<host::HttpResponse> send(const host::HttpRequest& request) override;
  Result<host::HttpResponse> stream(const host::HttpRequest& request, const host::BodyChunkHandler& onChunk) override;

 private:
  Result<host::HttpResponse> perform(const host::HttpRequest& request, const host::BodyChunkHandler* onChunk);

  std::unique_ptr<Poco::Net::HTTPClientSession> tcp_;
  std::string tcpEndpoint_;  // host:port of tcp_
};

// "%2F"-style encoding of one query-string value.
std::string encodeQueryValue(const std::string& text);

}  // namespace cairn::logship
