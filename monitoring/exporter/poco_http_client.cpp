#include "monitoring/exporter/poco_http_client.hpp"

#include <cctype>
#include <istream>
#include <memory>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Timespan.h>

namespace cairn::exporter {
namespace {

struct Target {
  std::string host;
  Poco::UInt16 port = 80;
  std::string pathAndQuery = "/";
};

Result<Target> parseUrl(const std::string& url) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) return makeError(ErrorCode::kInvalidInput, "only http:// URLs are supported: " + url);
  std::string rest = url.substr(scheme.size());
  Target target;
  auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) target.pathAndQuery = rest.substr(slash);
  auto colon = authority.rfind(':');
  target.host = authority.substr(0, colon);
  if (colon != std::string::npos) {
    int port = std::atoi(authority.c_str() + colon + 1);
    if (port <= 0 || port > 65535) return makeError(ErrorCode::kInvalidInput, "bad port in " + url);
    target.port = static_cast<Poco::UInt16>(port);
  }
  if (target.host.empty()) return makeError(ErrorCode::kInvalidInput, "no host in " + url);
  return target;
}

}  // namespace

std::string percentEncode(std::string_view text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

Result<host::HttpResponse> PocoHttpClient::send(const host::HttpRequest& request) { return perform(request, nullptr); }

Result<host::HttpResponse> PocoHttpClient::stream(const host::HttpRequest& request, const host::BodyChunkHandler& onChunk) {
  return perform(request, &onChunk);
}

Result<host::HttpResponse> PocoHttpClient::perform(const host::HttpRequest& request, const host::BodyChunkHandler* onChunk) {
  auto target = parseUrl(request.url);
  if (!target) return target.error();
  try {
    std::unique_ptr<Poco::Net::HTTPClientSession> session;
    Poco::Timespan timeout(static_cast<Poco::Timespan::TimeDiff>(request.timeout.count()) * 1000);
    if (!request.unixSocket.empty()) {
      Poco::Net::StreamSocket socket;
      if (request.timeout.count() > 0) socket.connect(Poco::Net::SocketAddress(Poco::Net::SocketAddress::UNIX_LOCAL, request.unixSocket), timeout);
      else socket.connect(Poco::Net::SocketAddress(Poco::Net::SocketAddress::UNIX_LOCAL, request.unixSocket));
      session = std::make_unique<Poco::Net::HTTPClientSession>(socket);
    } else {
      session = std::make_unique<Poco::Net::HTTPClientSession>(target.value().host, target.value().port);
    }
    if (request.timeout.count() > 0) session->setTimeout(timeout);
    else session->setTimeout(Poco::Timespan(365LL * 24 * 3600, 0));
    Poco::Net::HTTPRequest outgoing(request.method, target.value().pathAndQuery, Poco::Net::HTTPMessage::HTTP_1_1);
    outgoing.setHost(request.unixSocket.empty() ? target.value().host : "localhost");
    for (const auto& [name, value] : request.headers) outgoing.set(name, value);
    if (!request.body.empty()) outgoing.setContentLength(static_cast<std::streamsize>(request.body.size()));
    session->sendRequest(outgoing) << request.body;
    Poco::Net::HTTPResponse incoming;
    std::istream& body = session->receiveResponse(incoming);
    host::HttpResponse response;
    response.status = static_cast<int>(incoming.getStatus());
    for (const auto& [name, value] : incoming) {
      std::string lower;
      for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      response.headers[lower] = value;
    }
    char buffer[8192];
    while (true) {
      // get() blocks for the next byte; readsome() then takes what has already arrived, so a
      // streamed body reaches the handler piece by piece.
      int first = body.get();
      if (first == std::char_traits<char>::eof()) break;
      buffer[0] = static_cast<char>(first);
      std::streamsize n = 1 + body.readsome(buffer + 1, sizeof buffer - 1);
      std::string_view piece(buffer, static_cast<std::size_t>(n));
      if (onChunk) {
        if (!(*onChunk)(piece)) break;
      } else {
        response.body.append(piece);
      }
    }
    return response;
  } catch (const Poco::TimeoutException& error) {
    return makeError(ErrorCode::kTimeout, request.url + ": " + error.displayText());
  } catch (const Poco::Net::ConnectionRefusedException& error) {
    return makeError(ErrorCode::kUnavailable, request.url + ": " + error.displayText());
  } catch (const Poco::Exception& error) {
    // A socket that does not exist shows up as a generic I/O error from connect().
    return makeError(request.unixSocket.empty() ? ErrorCode::kIo : ErrorCode::kUnavailable,
                     request.url + ": " + error.displayText());
  } catch (const std::exception& error) {
    return makeError(ErrorCode::kIo, request.url + ": " + error.what());
  }
}

}  // namespace cairn::exporter
