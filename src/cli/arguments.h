// Parsing shared by several subcommands.
#pragma once

#include <string>
#include <string_view>

#include "core/domain.h"

namespace sphere::cli {

// "2019-05-26T18:00:00Z", "2019-05-26" or unix seconds; errors name `flag`.
Result<UnixSeconds> ParseAt(const std::string& text, std::string_view flag = "--at");

}  // namespace sphere::cli
