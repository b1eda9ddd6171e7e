#include "monitoring/logship/poco_http_client.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/URI.h>

#include <algorithm>
#include <istream>

namespace cairn::logship {
namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

Error errorFrom(const Poco::Exception& e) {
  if (dynamic_cast<const Poco::TimeoutException*>(&e)) return makeError(ErrorCode::kTimeout, e.displayText());
  if (dynamic_cast<const Poco::Net::ConnectionRefusedException*>(&e) || dynamic_cast<const Poco::Net::HostNotFoundException*>(&e) ||
      dynamic_cast<const Poco::Net::NoAddressFoundException*>(&e)) {
    return makeError(ErrorCode::kUnavailable, e.displayText());
  }
  return makeError(ErrorCode::kIo, e.displayText());
}

}  // namespace

std::string encodeQueryValue(const std::string& text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

PocoHttpClient::PocoHttpClient() = default;
PocoHttpClient::~PocoHttpClient() = default;

Result<host::HttpResponse> PocoHttpClient::send(const host::HttpRequest& request) { return perform(request, nullptr); }

Result<host::HttpResponse> PocoHttpClient::stream(const host::HttpRequest& request, const host::BodyChunkHandler& onChunk) {
  return perform(request, &onChunk);
}

Result<host::HttpResponse> PocoHttpClient::perform(const host::HttpRequest& request, const host::BodyChunkHandler* onChunk) {
  std::unique_ptr<Poco::Net::HTTPClientSession> unixSession;
  Poco::Net::HTTPClientSession* session = nullptr;
  std::string target;
  try {
    const Poco::URI uri(request.url);
    if (uri.getScheme() != "http") return makeError(ErrorCode::kInvalidInput, "only http:// is supported: " + request.url);
    target = uri.getPathEtc().empty() ? "/" : uri.getPathEtc();
    const Poco::Timespan timeout(request.timeout.count() > 0 ? request.timeout.count() * 1000 : 3600LL * 1'000'000);
    if (!request.unixSocket.empty()) {
      Poco::Net::StreamSocket socket;
      socket.connect(Poco::Net::SocketAddress(Poco::Net::SocketAddress::UNIX_LOCAL, request.unixSocket), timeout);
      // A session made from a connected socket does not apply its timeouts to it.
      socket.setReceiveTimeout(timeout);
      socket.setSendTimeout(timeout);
      unixSession = std::make_unique<Poco::Net::HTTPClientSession>(socket);
      unixSession->setKeepAlive(false);
      session = unixSession.get();
    } else {
      const std::string endpoint = uri.getHost() + ":" + std::to_string(uri.getPort());
      if (!tcp_ || endpoint != tcpEndpoint_) {
        tcp_ = std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
        tcp_->setKeepAlive(true);
        tcpEndpoint_ = endpoint;
      }
      session = tcp_.get();
    }
    session->setTimeout(timeout);
    Poco::Net::HTTPRequest out(request.method, target, Poco::Net::HTTPMessage::HTTP_1_1);
    out.setHost(request.unixSocket.empty() ? uri.getHost() : "localhost");
    for (const auto& [name, value] : request.headers) out.set(name, value);
    if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
      out.setContentLength(static_cast<std::streamsize>(request.body.size()));
    }
    std::ostream& body = session->sendRequest(out);
    body.write(request.body.data(), static_cast<std::streamsize>(request.body.size()));
    Poco::Net::HTTPResponse in;
    std::istream& answer = session->receiveResponse(in);
    host::HttpResponse response;
    response.status = static_cast<int>(in.getStatus());
    for (const auto& [name, value] : in) response.headers[lower(name)] = value;
    char buffer[16 * 1024];
    while (answer.read(buffer, sizeof(buffer)) || answer.gcount() > 0) {
      const std::string_view chunk(buffer, static_cast<std::size_t>(answer.gcount()));
      if (onChunk) {
        if (!(*onChunk)(chunk)) {
          if (!unixSession) tcp_.reset();  // the rest of the body is unread
          break;
        }
      } else {
        response.body.append(chunk);
      }
    }
    return response;
  } catch (const Poco::Exception& e) {
    if (!unixSession) tcp_.reset();
    return errorFrom(e);
  } catch (const std::exception& e) {
    if (!unixSession) tcp_.reset();
    return makeError(ErrorCode::kIo, e.what());
  }
}

}  // namespace cairn::logship
