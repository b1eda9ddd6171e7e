#include "monitoring/logship/log_text.hpp"

#include <cstring>
#include <ctime>

#include <nlohmann/json.hpp>

namespace cairn::logship {
namespace {

// Length of the valid UTF-8 sequence starting at text[i], or 0 when it is not valid.
std::size_t utf8SequenceLength(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  std::size_t length = 0;
  if (lead >= 0xC2 && lead <= 0xDF) length = 2;
  else if (lead >= 0xE0 && lead <= 0xEF) length = 3;
  else if (lead >= 0xF0 && lead <= 0xF4) length = 4;
  else return 0;
  if (i + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  }
  const unsigned char second = byte(i + 1);
  if (lead == 0xE0 && second < 0xA0) return 0;   // overlong
  if (lead == 0xED && second > 0x9F) return 0;   // surrogates
  if (lead == 0xF0 && second < 0x90) return 0;   // overlong
  if (lead == 0xF4 && second > 0x8F) return 0;   // above U+10FFFF
  return length;
}

bool isJsonSafeAscii(unsigned char c) { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\'; }

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void appendUtf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// A cursor over a JSON text that knows just enough to walk one flat object quickly.
class FlatJsonReader {
 public:
  explicit FlatJsonReader(std::string_view text) : text_(text) {}

  void skipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\r' || text_[pos_] == '\n')) ++pos_;
  }
  bool consume(char c) {
    skipSpace();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool atEnd() {
    skipSpace();
    return pos_ >= text_.size();
  }
  char peek() {
    skipSpace();
    return pos_ < text_.size() ? text_[pos_] : '\0';
  }

  // Reads a JSON string into `out` (unescaped). False on malformed input.
  bool readString(std::string& out) {
    if (!consume('"')) return false;
    out.clear();
    while (pos_ < text_.size()) {
      const std::size_t start = pos_;
      while (pos_ < text_.size() && text_[pos_] != '"' && text_[pos_] != '\\') ++pos_;
      out.append(text_.data() + start, pos_ - start);
      if (pos_ >= text_.size()) return false;
      if (text_[pos_] == '"') {
        ++pos_;
        return true;
      }
      if (++pos_ >= text_.size()) return false;
      const char escaped = text_[pos_++];
      switch (escaped) {
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case '/': out.push_back('/'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': {
          std::uint32_t cp = 0;
          if (!readHex4(cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF && pos_ + 1 < text_.size() && text_[pos_] == '\\' && text_[pos_ + 1] == 'u') {
            pos_ += 2;
            std::uint32_t low = 0;
            if (!readHex4(low)) return false;
            if (low >= 0xDC00 && low <= 0xDFFF) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            } else {
              appendUtf8(out, 0xFFFD);
              cp = low;
            }
          }
          if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;
          appendUtf8(out, cp);
          break;
        }
        default: return false;
      }
    }
    return false;
  }

  // Skips any JSON value (used for fields the parser does not need).
  bool skipValue() {
    const char c = peek();
    if (c == '"') {
      std::string ignored;
      return readString(ignored);
    }
    if (c == '{' || c == '[') {
      int depth = 0;
      while (pos_ < text_.size()) {
        const char d = text_[pos_];
        if (d == '"') {
          std::string ignored;
          if (!readString(ignored)) return false;
          continue;
        }
        ++pos_;
        if (d == '{' || d == '[') ++depth;
        if (d == '}' || d == ']') {
          if (--depth == 0) return true;
        }
      }
      return false;
    }
    const std::size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '}' && text_[pos_] != ']') ++pos_;
    return pos_ > start;
  }

 private:
  bool readHex4(std::uint32_t& value) {
    if (pos_ + 4 > text_.size()) return false;
    value = 0;
    for (int k = 0; k < 4; ++k) {
      const int h = hexValue(text_[pos_++]);
      if (h < 0) return false;
      value = value * 16 + static_cast<std::uint32_t>(h);
    }
    return true;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

std::int64_t daysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool readDigits(std::string_view text, std::size_t pos, std::size_t count, int& value) {
  if (pos + count > text.size()) return false;
  value = 0;
  for (std::size_t k = 0; k < count; ++k) {
    const char c = text[pos + k];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  return true;
}

}  // namespace

std::size_t appendJsonString(std::string& out, std::string_view text) {
  static const char* kHex = "0123456789abcdef";
  std::size_t replaced = 0;
  out.push_back('"');
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t start = i;
    while (i < text.size() && isJsonSafeAscii(static_cast<unsigned char>(text[i]))) ++i;
    out.append(text.data() + start, i - start);
    if (i >= text.size()) break;
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '"') {
      out += "\\\"";
      ++i;
    } else if (c == '\\') {
      out += "\\\\";
      ++i;
    } else if (c == '\n') {
      out += "\\n";
      ++i;
    } else if (c == '\t') {
      out += "\\t";
      ++i;
    } else if (c == '\r') {
      out += "\\r";
      ++i;
    } else if (c < 0x20 || c == 0x7F) {
      out += "\\u00";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
      ++i;
    } else {
      const std::size_t length = utf8SequenceLength(text, i);
      if (length == 0) {
        out += "\xEF\xBF\xBD";
        ++replaced;
        ++i;
      } else {
        out.append(text.data() + i, length);
        i += length;
      }
    }
  }
  out.push_back('"');
  return replaced;
}

std::optional<std::int64_t> parseRfc3339Nanos(std::string_view text) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (text.size() < 20 || !readDigits(text, 0, 4, year) || text[4] != '-' || !readDigits(text, 5, 2, month) ||
      text[7] != '-' || !readDigits(text, 8, 2, day) || (text[10] != 'T' && text[10] != 't' && text[10] != ' ') ||
      !readDigits(text, 11, 2, hour) || text[13] != ':' || !readDigits(text, 14, 2, minute) || text[16] != ':' ||
      !readDigits(text, 17, 2, second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  std::size_t pos = 19;
  std::int64_t fraction = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 9) {
        fraction = fraction * 10 + (text[pos] - '0');
        ++digits;
      }
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (; digits < 9; ++digits) fraction *= 10;
  }
  std::int64_t offsetSeconds = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos + 6 <= text.size() && (text[pos] == '+' || text[pos] == '-') && text[pos + 3] == ':') {
    int oh = 0, om = 0;
    if (!readDigits(text, pos + 1, 2, oh) || !readDigits(text, pos + 4, 2, om)) return std::nullopt;
    offsetSeconds = (oh * 3600 + om * 60) * (text[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  const std::int64_t days = daysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const std::int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offsetSeconds;
  return seconds * 1'000'000'000LL + fraction;
}

std::optional<DockerRecord> parseDockerRecord(std::string_view line) {
  FlatJsonReader reader(withoutLineEnd(line));
  if (!reader.consume('{')) return std::nullopt;
  DockerRecord record;
  bool haveLog = false;
  bool haveTime = false;
  std::string key;
  std::string value;
  if (!reader.consume('}')) {
    do {
      if (!reader.readString(key) || !reader.consume(':')) return std::nullopt;
      if (key == "log") {
        if (!reader.readString(record.log)) return std::nullopt;
        haveLog = true;
      } else if (key == "stream") {
        if (!reader.readString(record.stream)) return std::nullopt;
      } else if (key == "time") {
        if (!reader.readString(value)) return std::nullopt;
        auto ns = parseRfc3339Nanos(value);
        if (!ns) return std::nullopt;
        record.timeNs = *ns;
        haveTime = true;
      } else if (!reader.skipValue()) {
        return std::nullopt;
      }
    } while (reader.consume(','));
    if (!reader.consume('}')) return std::nullopt;
  }
  if (!reader.atEnd() || !haveLog || !haveTime) return std::nullopt;
  if (record.stream != "stdout" && record.stream != "stderr") record.stream = "stdout";
  return record;
}

std::optional<std::int64_t> nginxAccessTimestamp(std::string_view line) {
  const auto json = nlohmann::json::parse(withoutLineEnd(line), nullptr, false);
  if (json.is_discarded() || !json.is_object()) return std::nullopt;
  const auto msec = json.find("msec");
  if (msec != json.end()) {
    std::string text = msec->is_string() ? msec->get<std::string>() : msec->dump();
    const auto dot = text.find('.');
    try {
      std::int64_t seconds = std::stoll(text.substr(0, dot));
      std::int64_t millis = 0;
      if (dot != std::string::npos) {
        std::string frac = text.substr(dot + 1, 3);
        while (frac.size() < 3) frac += '0';
        millis = std::stoll(frac);
      }
      return seconds * 1'000'000'000LL + millis * 1'000'000LL;
    } catch (const std::exception&) {
      // fall through to time_iso8601
    }
  }
  const auto iso = json.find("time_iso8601");
  if (iso != json.end() && iso->is_string()) return parseRfc3339Nanos(iso->get<std::string>());
  return std::nullopt;
}

bool truncateLine(std::string& line, std::size_t maxBytes, std::size_t originalBytes) {
  if (line.size() <= maxBytes && originalBytes <= maxBytes) return false;
  // Room for the marker, so that the marked line still fits the limit Loki enforces.
  constexpr std::size_t kMarkerRoom = 48;
  std::size_t cut = std::min(maxBytes > kMarkerRoom ? maxBytes - kMarkerRoom : maxBytes, line.size());
  while (cut > 0 && cut < line.size() && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
  line.resize(cut);
  line += " [truncated " + std::to_string(originalBytes - cut) + " bytes]";
  return true;
}

std::string_view withoutLineEnd(std::string_view line) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

}  // namespace cairn::logship
