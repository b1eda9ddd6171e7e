#pragma once
// Batch: the entries of one push, kept in the order they were read (so each stream stays in
// order), encoded as Loki's JSON push body. Pure values; not thread-safe.

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace cairn::logship {

class Batch {
 public:
  struct Entry {
    std::uint32_t stream = 0;
    std::int64_t timestampNs = 0;
    std::string line;
  };

  void add(const std::string& labelsJson, std::int64_t timestampNs, std::string line);
  void clear();
  bool empty() const { return entries_.empty(); }
  std::size_t size() const { return entries_.size(); }
  // Line bytes, as Loki and Promtail count a batch's size.
  std::size_t bytes() const { return bytes_; }
  const Entry& entry(std::size_t index) const { return entries_[index]; }
  const std::string& streamLabels(std::uint32_t stream) const { return streams_[stream]; }

  // {"streams":[{"stream":{...},"values":[["<ns>","<line>"],...]},...]} for entries [begin, end).
  // Invalid UTF-8 is replaced (see appendJsonString); `replacedBytes` counts how much.
  std::string encodeJson(std::size_t begin, std::size_t end, std::size_t* replacedBytes = nullptr) const;

 private:
  std::vector<std::string> streams_;
  std::unordered_map<std::string, std::uint32_t> streamIndex_;
  std::vector<Entry> entries_;
  std::size_t bytes_ = 0;
};

// gzip (RFC 1952) at the fastest level: pushes are local and CPU is the scarce resource.
std::string gzipFast(const std::string& body);

}  // namespace cairn::logship
