#include "monitoring/logship/positions.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "appliance/state/atomic_file.hpp"

namespace cairn::logship {

namespace {

nlohmann::json positionJson(const SourcePosition& position) {
  if (!position.file) return {{"cursor", position.cursor}};
  return {{"device", position.file->device}, {"inode", position.file->inode},
          {"offset", position.file->offset}, {"mtime_ns", position.file->mtimeNs},
          {"head_bytes", position.file->headBytes}, {"head_hash", position.file->headHash}};
}

// One source's position as positionJson writes it; errors name `where` and the field.
Result<SourcePosition> positionFromJson(const nlohmann::json& value, const std::string& where) {
  if (!value.is_object()) return makeError(ErrorCode::kInvalidInput, where + " is not an object");
  SourcePosition position;
  if (value.contains("cursor")) {
    if (!value["cursor"].is_string()) return makeError(ErrorCode::kInvalidInput, where + ".cursor is not a string");
    position.cursor = value["cursor"].get<std::string>();
    return position;
  }
  FilePosition file;
  for (const auto& [field, target] : {std::pair<const char*, std::uint64_t*>{"device", &file.device},
                                      {"inode", &file.inode}, {"offset", &file.offset}}) {
    if (!value.contains(field) || !value[field].is_number_unsigned()) {
      return makeError(ErrorCode::kInvalidInput, where + "." + field + " is not a non-negative integer");
    }
    *target = value[field].get<std::uint64_t>();
  }
  if (value.contains("mtime_ns") && value["mtime_ns"].is_number_integer()) file.mtimeNs = value["mtime_ns"].get<std::int64_t>();
  if (value.contains("head_bytes") && value["head_bytes"].is_number_unsigned() && value.contains("head_hash") &&
      value["head_hash"].is_number_unsigned()) {
    file.headBytes = value["head_bytes"].get<std::uint32_t>();
    file.headHash = value["head_hash"].get<std::uint64_t>();
  }
  position.file = file;
  return position;
}

}  // namespace

std::string renderPositions(const PositionMap& positions) {
  nlohmann::json entries = nlohmann::json::object();
  for (const auto& [key, position] : positions) entries[key] = positionJson(position);
  return nlohmann::json{{"version", 1}, {"positions", entries}}.dump(1) + "\n";
}

bool samePosition(const std::optional<SourcePosition>& a, const std::optional<SourcePosition>& b) {
  if (!a || !b) return !a && !b;
  if (a->file.has_value() != b->file.has_value()) return false;
  if (!a->file) return a->cursor == b->cursor;
  return a->file->device == b->file->device && a->file->inode == b->file->inode && a->file->offset == b->file->offset;
}

std::string renderStamps(const StampMap& stamps) {
  nlohmann::json entries = nlohmann::json::object();
  for (const auto& [key, segments] : stamps) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& stamp : segments) {
      list.push_back({{"from", stamp.from ? positionJson(*stamp.from) : nlohmann::json()}, {"anchor_ns", stamp.anchorNs}});
    }
    entries[key] = std::move(list);
  }
  return nlohmann::json{{"version", 2}, {"stamps", entries}}.dump() + "\n";
}

Result<StampMap> parseStamps(const std::string& text) {
  const auto json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded() || !json.is_object() || json.value("version", 0) != 2 || !json.contains("stamps") ||
      !json["stamps"].is_object()) {
    return makeError(ErrorCode::kInvalidInput, "expected {\"version\":2,\"stamps\":{...}}");
  }
  StampMap stamps;
  for (const auto& [key, list] : json["stamps"].items()) {
    if (!list.is_array()) return makeError(ErrorCode::kInvalidInput, "stamps." + key + " is not an array");
    for (std::size_t i = 0; i < list.size(); ++i) {
      const auto& value = list[i];
      const std::string where = "stamps." + key + "[" + std::to_string(i) + "]";
      if (!value.is_object() || !value.contains("anchor_ns") || !value["anchor_ns"].is_number_integer()) {
        return makeError(ErrorCode::kInvalidInput, where + ".anchor_ns is not an integer");
      }
      BatchStamp stamp;
      stamp.anchorNs = value["anchor_ns"].get<std::int64_t>();
      if (value.contains("from") && !value["from"].is_null()) {
        auto from = positionFromJson(value["from"], where + ".from");
        if (!from) return from.error();
        stamp.from = std::move(from.value());
      }
      stamps[key].push_back(std::move(stamp));
    }
  }
  return stamps;
}

Result<PositionMap> parsePositions(const std::string& text) {
  const auto json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded() || !json.is_object()) return makeError(ErrorCode::kInvalidInput, "not a JSON object");
  const auto entries = json.find("positions");
  if (json.value("version", 0) != 1 || entries == json.end() || !entries->is_object()) {
    return makeError(ErrorCode::kInvalidInput, "expected {\"version\":1,\"positions\":{...}}");
  }
  PositionMap positions;
  for (const auto& [key, value] : entries->items()) {
    auto position = positionFromJson(value, "positions." + key);
    if (!position) return position.error();
    positions.emplace(key, std::move(position.value()));
  }
  return positions;
}

Result<PositionMap> PositionStore::load() const {
  std::ifstream in(path_, std::ios::binary);
  if (!in) {
    struct stat st {};
    if (::stat(path_.c_str(), &st) != 0) return PositionMap{};
    return makeError(ErrorCode::kIo, "cannot read " + path_);
  }
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = parsePositions(text.str());
  if (!parsed) {
    std::rename(path_.c_str(), (path_ + ".corrupt").c_str());
    return makeError(ErrorCode::kInvalidInput, path_ + ": " + parsed.error().message + " (kept as " + path_ + ".corrupt)");
  }
  return parsed;
}

Status PositionStore::save(const PositionMap& positions) const {
  return state::writeFileAtomic(path_, renderPositions(positions), 0600);
}

StampMap PositionStore::loadStamps() const {
  std::ifstream in(path_ + ".stamps", std::ios::binary);
  if (!in) return {};
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = parseStamps(text.str());
  return parsed ? parsed.value() : StampMap{};
}

Status PositionStore::saveStamps(const StampMap& stamps) const {
  return state::writeFileAtomic(path_ + ".stamps", renderStamps(stamps), 0600);
}

std::size_t PositionStore::removeLeftoverTemporaries() const { return state::removeLeftoverTemporaries(path_); }

}  // namespace cairn::logship
