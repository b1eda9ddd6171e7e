#include "provisioning/apply/diff.hpp"

#include <algorithm>
#include <vector>

namespace cairn::apply {
namespace {

std::vector<std::string> splitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) {
      lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

enum class Op { kKeep, kRemove, kAdd };
struct Edit {
  Op op;
  std::size_t line;  // index into a (kKeep, kRemove) or b (kAdd)
};

// Myers' O(ND) shortest edit script.
std::vector<Edit> shortestEdit(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  const long n = static_cast<long>(a.size()), m = static_cast<long>(b.size()), max = n + m;
  std::vector<long> v(static_cast<std::size_t>(2 * max + 2), 0);
  std::vector<std::vector<long>> trace;
  auto at = [&](long k) -> long& { return v[static_cast<std::size_t>(k + max + 1)]; };
  for (long d = 0; d <= max; ++d) {
    trace.push_back(v);
    for (long k = -d; k <= d; k += 2) {
      long x = (k == -d || (k != d && at(k - 1) < at(k + 1))) ? at(k + 1) : at(k - 1) + 1;
      long y = x - k;
      while (x < n && y < m && a[static_cast<std::size_t>(x)] == b[static_cast<std::size_t>(y)]) ++x, ++y;
      at(k) = x;
      if (x >= n && y >= m) {
        std::vector<Edit> edits;
        for (long step = d; step >= 0 && (x > 0 || y > 0); --step) {
          const auto& previous = trace[static_cast<std::size_t>(step)];
          auto prev = [&](long kk) { return previous[static_cast<std::size_t>(kk + max + 1)]; };
          long kk = x - y;
          long prevK = (kk == -step || (kk != step && prev(kk - 1) < prev(kk + 1))) ? kk + 1 : kk - 1;
          long prevX = step == 0 ? 0 : prev(prevK);
          long prevY = prevX - prevK;
          while (x > prevX && y > prevY) edits.push_back({Op::kKeep, static_cast<std::size_t>(--x)}), --y;
          if (step == 0) break;
          if (x == prevX) edits.push_back({Op::kAdd, static_cast<std::size_t>(--y)});
          else edits.push_back({Op::kRemove, static_cast<std::size_t>(--x)});
        }
        std::reverse(edits.begin(), edits.end());
        return edits;
      }
    }
  }
  return {};
}

}  // namespace

std::string unifiedDiff(const std::string& before, const std::string& after, const std::string& beforeName,
                        const std::string& afterName) {
  if (before == after) return "";
  auto a = splitLines(before), b = splitLines(after);
  auto edits = shortestEdit(a, b);
  const std::size_t kContext = 3;
  std::string out = "--- " + beforeName + "\n+++ " + afterName + "\n";
  std::size_t i = 0;
  while (i < edits.size()) {
    if (edits[i].op == Op::kKeep) {
      ++i;
      continue;
    }
    // A hunk: from kContext lines before this change to kContext lines after the last change
    // that is within 2*kContext of the previous one.
    std::size_t start = i >= kContext ? i - kContext : 0;
    std::size_t end = i;
    std::size_t keepRun = 0;
    for (std::size_t j = i; j < edits.size(); ++j) {
      if (edits[j].op == Op::kKeep) {
        if (++keepRun > 2 * kContext) break;
      } else {
        keepRun = 0;
        end = j;
      }
    }
    std::size_t stop = std::min(edits.size(), end + 1 + kContext);
    std::size_t aStart = 0, bStart = 0, aCount = 0, bCount = 0;
    // Line numbers: count the lines of a and b consumed before `start`.
    for (std::size_t j = 0; j < start; ++j) {
      if (edits[j].op != Op::kAdd) ++aStart;
      if (edits[j].op != Op::kRemove) ++bStart;
    }
    std::string body;
    for (std::size_t j = start; j < stop; ++j) {
      const Edit& edit = edits[j];
      if (edit.op == Op::kKeep) {
        body += " " + a[edit.line] + "\n";
        ++aCount, ++bCount;
      } else if (edit.op == Op::kRemove) {
        body += "-" + a[edit.line] + "\n";
        ++aCount;
      } else {
        body += "+" + b[edit.line] + "\n";
        ++bCount;
      }
    }
    out += "@@ -" + std::to_string(aCount ? aStart + 1 : aStart) + "," + std::to_string(aCount) + " +" +
           std::to_string(bCount ? bStart + 1 : bStart) + "," + std::to_string(bCount) + " @@\n" + body;
    i = stop;
  }
  return out;
}

}  // namespace cairn::apply
