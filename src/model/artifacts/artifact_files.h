// Reading and writing the files of a model directory (manifests, serialised models), with
// the errors every model's Load and Save report the same way.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/status.h"

namespace sphere::model {

// The whole file. DataLoss when it cannot be read (a model directory missing a file is
// damaged; callers check for a missing manifest first and report NotFound themselves).
Result<std::string> ReadArtifact(const std::filesystem::path& path);

// Creates or replaces the file. Unavailable when it cannot be written.
Status WriteArtifact(const std::filesystem::path& path, std::string_view contents);

}  // namespace sphere::model
