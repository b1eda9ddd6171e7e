#include "monitoring/exporter/metrics_server.hpp"

#include <chrono>

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>

namespace cairn::exporter {
namespace {

using Poco::Net::HTTPResponse;

class MetricsHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  explicit MetricsHandler(Exporter& exporter) : exporter_(exporter) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
    std::string body = exporter_.render();
    response.setContentType(metrics::kTextContentType);
    if (metrics::acceptsGzip(request.get("Accept-Encoding", ""))) {
      body = metrics::gzip(body);
      response.set("Content-Encoding", "gzip");
    }
    // One write of the whole body: through send()'s stream it leaves in 4 KB pieces, and each
    // piece is a trip through the TCP stack.
    response.sendBuffer(body.data(), body.size());
  }

 private:
  Exporter& exporter_;
};

class TextHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  TextHandler(HTTPResponse::HTTPStatus status, std::string body) : status_(status), body_(std::move(body)) {}
  void handleRequest(Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse& response) override {
    response.setStatus(status_);
    response.setContentType("text/plain; charset=utf-8");
    response.setContentLength(static_cast<std::streamsize>(body_.size()));
    response.send() << body_;
  }

 private:
  HTTPResponse::HTTPStatus status_;
  std::string body_;
};

class Routes final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit Routes(Exporter& exporter) : exporter_(exporter) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest& request) override {
    std::string path = request.getURI().substr(0, request.getURI().find('?'));
    bool read = request.getMethod() == "GET" || request.getMethod() == "HEAD";
    if (path == "/metrics" && read) return new MetricsHandler(exporter_);
    if (path == "/healthz" && read) return new TextHandler(HTTPResponse::HTTP_OK, "ok\n");
    if (path == "/" && read) {
      return new TextHandler(HTTPResponse::HTTP_OK, "cairn-exporter: metrics at /metrics, health at /healthz\n");
    }
    if (!read) return new TextHandler(HTTPResponse::HTTP_METHOD_NOT_ALLOWED, "only GET\n");
    return new TextHandler(HTTPResponse::HTTP_NOT_FOUND, "not found\n");
  }

 private:
  Exporter& exporter_;
};

}  // namespace

Exporter::Exporter(std::vector<std::unique_ptr<Collector>> collectors, std::size_t threads)
    : scraper_(std::move(collectors), threads),
      scrapes_(registry_.counter("cairn_exporter_scrapes_total", "Scrapes of /metrics served.")),
      scrapeDuration_(registry_.histogram("cairn_exporter_scrape_duration_seconds",
                                          "Time to collect and render one scrape.",
                                          {0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5})) {}

std::string Exporter::render() {
  auto started = std::chrono::steady_clock::now();
  std::vector<metrics::MetricFamily> families = scraper_.scrape();
  scrapes_.inc();
  for (auto& family : registry_.collect()) families.push_back(std::move(family));
  std::string text = metrics::renderText(families);
  std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
  scrapeDuration_.observe(took.count());
  return text;
}

MetricsServer::MetricsServer(Exporter& exporter, const std::string& host, int port, int maxThreads) {
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress(host, static_cast<Poco::UInt16>(port)), 64);
  port_ = socket.address().port();
  auto* params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(maxThreads);
  params->setMaxQueued(64);
  params->setKeepAlive(true);
  server_ = std::make_unique<Poco::Net::HTTPServer>(new Routes(exporter), socket, params);
}

MetricsServer::~MetricsServer() { stop(); }

void MetricsServer::start() { server_->start(); }

void MetricsServer::stop() {
  if (server_) server_->stopAll(true);
}

int MetricsServer::port() const { return port_; }

}  // namespace cairn::exporter
