// The PLEP model card: the manifest's metrics as a Markdown page for people (written
// beside the model as model_card.md; the bundled model's is docs/plep-model-card.md).
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace sphere::plep {

// InvalidArgument when `manifest_json` is not a PLEP manifest with metrics.
Result<std::string> PlepModelCard(std::string_view manifest_json);

}  // namespace sphere::plep
