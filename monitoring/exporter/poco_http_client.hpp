#pragma once
// HttpClient over Poco::Net, TCP or a unix socket: the exporter's client for the Docker Engine
// API and the supervisor. The exporter uses it instead of CurlHttpClient so that the daemon
// does not load libcurl and the TLS stacks behind it (several MB of resident memory) for plain
// HTTP on loopback and local sockets. One connection per request; one client per thread.

#include "appliance/host/http_client.hpp"

namespace cairn::exporter {

class PocoHttpClient final : public host::HttpClient {
 public:
  // Errors: kUnavailable when nothing listens, kTimeout when the peer stays silent past
  // request.timeout (for stream(): between two pieces of the body), kIo for anything else.
  Result<host::HttpResponse> send(const host::HttpRequest& request) override;
  Result<host::HttpResponse> stream(const host::HttpRequest& request, const host::BodyChunkHandler& onChunk) override;

 private:
  Result<host::HttpResponse> perform(const host::HttpRequest& request, const host::BodyChunkHandler* onChunk);
};

// "%2F"-style encoding of one query-string value.
std::string percentEncode(std::string_view text);

}  // namespace cairn::exporter
