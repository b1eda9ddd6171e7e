#pragma once
// HttpClient: HTTP/1.1 over TCP or a unix socket. The one seam for every HTTP peer (Docker Engine
// API, Keycloak, Loki, the supervisor's control socket). Thread-safety: one client per thread.

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "appliance/core/result.hpp"

namespace cairn::host {

struct HttpRequest {
  std::string method = "GET";
  std::string url;         // "http://localhost/v1.44/_ping" (host is ignored over a unix socket)
  std::string unixSocket;  // path of a unix socket; empty for TCP
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{10'000};  // whole request; 0 = none (streams)
};

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  std::string header(const std::string& lowerName) const {
    auto it = headers.find(lowerName);
    return it == headers.end() ? std::string() : it->second;
  }
};

// Called with each piece of a streamed body as it arrives; return false to stop the stream.
using BodyChunkHandler = std::function<bool(std::string_view chunk)>;

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Errors: kUnavailable when the peer cannot be reached, kTimeout, kIo for transport failures.
  // Any HTTP status, 5xx included, is a response value.
  virtual Result<HttpResponse> send(const HttpRequest& request) = 0;
  // Like send(), but the body goes to `onChunk` instead of the response. Ends when the peer
  // closes, on error, or when onChunk returns false (then the response is still a value).
  virtual Result<HttpResponse> stream(const HttpRequest& request, const BodyChunkHandler& onChunk) = 0;
};

class CurlHttpClient final : public HttpClient {
 public:
  CurlHttpClient();
  ~CurlHttpClient() override;
  CurlHttpClient(const CurlHttpClient&) = delete;
  CurlHttpClient& operator=(const CurlHttpClient&) = delete;

  Result<HttpResponse> send(const HttpRequest& request) override;
  Result<HttpResponse> stream(const HttpRequest& request, const BodyChunkHandler& onChunk) override;

 private:
  Result<HttpResponse> perform(const HttpRequest& request, const BodyChunkHandler* onChunk);
  void* handle_;  // CURL*, reused so that connections are kept alive
};

// "%2F"-style encoding of one query-string value.
std::string urlEncode(std::string_view text);

}  // namespace cairn::host
