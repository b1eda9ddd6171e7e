#include "appliance/host/http_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <mutex>

namespace cairn::host {
namespace {

struct Transfer {
  HttpResponse* response;
  const BodyChunkHandler* onChunk;
  bool stoppedByHandler = false;
};

std::size_t onBody(char* data, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  std::size_t length = size * count;
  if (transfer->onChunk) {
    if (!(*transfer->onChunk)(std::string_view(data, length))) {
      transfer->stoppedByHandler = true;
      return 0;  // makes curl abort the transfer
    }
    return length;
  }
  transfer->response->body.append(data, length);
  return length;
}

std::size_t onHeader(char* data, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  std::string_view line(data, size * count);
  if (line.rfind("HTTP/", 0) == 0) transfer->response->headers.clear();  // a new response (after 100-continue)
  std::size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) value.remove_suffix(1);
    transfer->response->headers[name] = std::string(value);
  }
  return size * count;
}

void initCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

CurlHttpClient::CurlHttpClient() {
  initCurlOnce();
  handle_ = curl_easy_init();
}

CurlHttpClient::~CurlHttpClient() { curl_easy_cleanup(static_cast<CURL*>(handle_)); }

Result<HttpResponse> CurlHttpClient::send(const HttpRequest& request) { return perform(request, nullptr); }

Result<HttpResponse> CurlHttpClient::stream(const HttpRequest& request, const BodyChunkHandler& onChunk) {
  return perform(request, &onChunk);
}

Result<HttpResponse> CurlHttpClient::perform(const HttpRequest& request, const BodyChunkHandler* onChunk) {
  CURL* curl = static_cast<CURL*>(handle_);
  if (!curl) return makeError(ErrorCode::kIo, "curl could not be initialised");
  curl_easy_reset(curl);
  HttpResponse response;
  Transfer transfer{&response, onChunk};

  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  if (!request.unixSocket.empty()) curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, request.unixSocket.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, onBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, onHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
  if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (request.method != "GET" || !request.body.empty()) {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Expect:");
  for (const auto& [name, value] : request.headers) headers = curl_slist_append(headers, (name + ": " + value).c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);

  CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);

  if (code == CURLE_OK || (code == CURLE_WRITE_ERROR && transfer.stoppedByHandler)) return response;
  std::string where = request.unixSocket.empty() ? request.url : request.unixSocket;
  std::string message = where + ": " + curl_easy_strerror(code);
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT: return makeError(ErrorCode::kTimeout, message);
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR: return makeError(ErrorCode::kUnavailable, message);
    default: return makeError(ErrorCode::kIo, message);
  }
}

std::string urlEncode(std::string_view text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string encoded;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      encoded += static_cast<char>(c);
    } else {
      encoded += '%';
      encoded += kHex[c >> 4];
      encoded += kHex[c & 15];
    }
  }
  return encoded;
}

}  // namespace cairn::host
