// Emoji valences from wink-sentiment's emojis.js (derived from the Emoji Sentiment Ranking,
// Kralj Novak et al. 2015; CC BY-SA 4.0): integers from -5 to 5 per emoji.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "features/text/valence_table.h"

namespace sphere::features::text {

class EmojiValences {
 public:
  // Parses the JavaScript object literal `var emojis = { '😂': 1, ... };`: quoted keys (single
  // or double quotes, JS escapes), numeric values, comments and trailing commas allowed.
  // NotFound when the file cannot be opened; DataLoss naming file:line when it does not parse.
  static Result<EmojiValences> Load(const std::filesystem::path& path);
  static Result<EmojiValences> Parse(std::string_view source, std::string_view name);

  // The valence of an emoji cluster (UTF-8): as written, else without variation selectors
  // and skin-tone modifiers (the list holds base forms: '❤', '👍'). nullopt when unlisted.
  std::optional<double> Find(std::string_view emoji_utf8) const;

  size_t size() const { return valence_.size(); }

 private:
  ValenceTable valence_;
};

}  // namespace sphere::features::text
