#pragma once
// Unified diffs for `cairnctl plan`. Pure.

#include <string>

namespace cairn::apply {

// `diff -u` style text with 3 lines of context; "" when the texts are equal.
std::string unifiedDiff(const std::string& before, const std::string& after, const std::string& beforeName,
                        const std::string& afterName);

}  // namespace cairn::apply
