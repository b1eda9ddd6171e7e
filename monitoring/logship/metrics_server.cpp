#include "monitoring/logship/metrics_server.hpp"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>

#include <stdexcept>

namespace cairn::logship {
namespace {

class MetricsHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  explicit MetricsHandler(const metrics::Registry& registry) : registry_(registry) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
    if (request.getURI() != "/metrics" && request.getURI().rfind("/metrics?", 0) != 0) {
      response.setStatus(Poco::Net::HTTPResponse::HTTP_NOT_FOUND);
      response.send() << "not found\n";
      return;
    }
    std::string body = metrics::renderText(registry_.collect());
    if (metrics::acceptsGzip(request.get("Accept-Encoding", ""))) {
      body = metrics::gzip(body);
      response.set("Content-Encoding", "gzip");
    }
    response.setContentType(metrics::kTextContentType);
    response.setContentLength(static_cast<std::streamsize>(body.size()));
    response.send().write(body.data(), static_cast<std::streamsize>(body.size()));
  }

 private:
  const metrics::Registry& registry_;
};

class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit Factory(const metrics::Registry& registry) : registry_(registry) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
    return new MetricsHandler(registry_);
  }

 private:
  const metrics::Registry& registry_;
};

}  // namespace

MetricsServer::MetricsServer(const metrics::Registry& registry, std::string listen)
    : registry_(registry), listen_(std::move(listen)) {}

MetricsServer::~MetricsServer() { stop(); }

void MetricsServer::start() {
  try {
    Poco::Net::ServerSocket socket{Poco::Net::SocketAddress(listen_)};
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(2);
    params->setMaxQueued(16);
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(registry_), socket, params);
    server_->start();
  } catch (const Poco::Exception& e) {
    throw std::runtime_error("metrics listener " + listen_ + ": " + e.displayText());
  }
}

void MetricsServer::stop() {
  if (server_) server_->stopAll(true);
  server_.reset();
}

unsigned short MetricsServer::port() const { return server_ ? server_->port() : 0; }

}  // namespace cairn::logship
