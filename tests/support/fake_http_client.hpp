#pragma once
// FakeHttpClient: records requests and replays responses chosen by a handler.

#include <functional>
#include <vector>

#include "appliance/host/http_client.hpp"

namespace cairn::testing {

class FakeHttpClient final : public host::HttpClient {
 public:
  using Handler = std::function<Result<host::HttpResponse>(const host::HttpRequest&)>;
  Handler handler = [](const host::HttpRequest&) {
    return Result<host::HttpResponse>(host::HttpResponse{404, {}, "{\"message\":\"no handler\"}"});
  };
  std::vector<host::HttpRequest> requests;

  Result<host::HttpResponse> send(const host::HttpRequest& request) override {
    requests.push_back(request);
    return handler(request);
  }
  Result<host::HttpResponse> stream(const host::HttpRequest& request, const host::BodyChunkHandler& onChunk) override {
    requests.push_back(request);
    auto response = handler(request);
    if (!response) return response;
    onChunk(response.value().body);
    response.value().body.clear();
    return response;
  }
};

}  // namespace cairn::testing
