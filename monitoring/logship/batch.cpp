#include "monitoring/logship/batch.hpp"

#include <zlib.h>

#include <stdexcept>

#include "monitoring/logship/log_text.hpp"

namespace cairn::logship {

void Batch::add(const std::string& labelsJson, std::int64_t timestampNs, std::string line) {
  std::uint32_t stream = 0;
  if (!streams_.empty() && streams_[entries_.empty() ? 0 : entries_.back().stream] == labelsJson) {
    stream = entries_.empty() ? 0 : entries_.back().stream;
  } else {
    auto [it, inserted] = streamIndex_.try_emplace(labelsJson, static_cast<std::uint32_t>(streams_.size()));
    if (inserted) streams_.push_back(labelsJson);
    stream = it->second;
  }
  bytes_ += line.size();
  entries_.push_back({stream, timestampNs, std::move(line)});
}

void Batch::clear() {
  streams_.clear();
  streamIndex_.clear();
  entries_.clear();
  bytes_ = 0;
}

std::string Batch::encodeJson(std::size_t begin, std::size_t end, std::size_t* replacedBytes) const {
  std::vector<std::vector<std::size_t>> byStream(streams_.size());
  std::size_t estimate = 32;
  for (std::size_t i = begin; i < end; ++i) {
    byStream[entries_[i].stream].push_back(i);
    estimate += entries_[i].line.size() + 32;
  }
  std::string out;
  out.reserve(estimate + streams_.size() * 128);
  out += "{\"streams\":[";
  std::size_t replaced = 0;
  bool firstStream = true;
  for (std::size_t s = 0; s < byStream.size(); ++s) {
    if (byStream[s].empty()) continue;
    if (!firstStream) out += ',';
    firstStream = false;
    out += "{\"stream\":";
    out += streams_[s];
    out += ",\"values\":[";
    bool firstValue = true;
    for (std::size_t index : byStream[s]) {
      if (!firstValue) out += ',';
      firstValue = false;
      out += "[\"";
      out += std::to_string(entries_[index].timestampNs);
      out += "\",";
      replaced += appendJsonString(out, entries_[index].line);
      out += ']';
    }
    out += "]}";
  }
  out += "]}";
  if (replacedBytes) *replacedBytes = replaced;
  return out;
}

std::string gzipFast(const std::string& body) {
  z_stream stream{};
  if (deflateInit2(&stream, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2 failed");
  }
  std::string out(deflateBound(&stream, body.size()) + 32, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  stream.avail_in = static_cast<uInt>(body.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&stream, Z_FINISH);
  const std::size_t written = stream.total_out;
  deflateEnd(&stream);
  if (rc != Z_STREAM_END) throw std::runtime_error("deflate failed");
  out.resize(written);
  return out;
}

}  // namespace cairn::logship
