// A token -> valence table that looks up by string_view without building a std::string
// (heterogeneous lookup), shared by the VADER lexicon and the emoji valences.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace sphere::features::text {

struct TransparentStringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
};

using ValenceTable =
    std::unordered_map<std::string, double, TransparentStringHash, std::equal_to<>>;

}  // namespace sphere::features::text
