// VADER sentiment (Hutto & Gilbert, ICWSM 2014) over the vader-sentiment@1.1.3 lexicon.
//
// A re-implementation of the rules of that package (the npm port of the authors' Python code,
// whose lexicon we pin): lexicon valences, booster/dampener words, negation within three
// words, "never so/this", "least", "kind of", idioms, contrastive "but", ALL-CAPS emphasis,
// and ! / ? amplifiers, normalised by x / sqrt(x^2 + 15). Its scores match that package's to
// the 4 decimals it prints (vader_test.cc checks the documented examples and more).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/status.h"
#include "features/text/valence_table.h"

namespace sphere::features::text {

class VaderLexicon {
 public:
  // Reads vader_lexicon.txt ("token<TAB>mean<TAB>sd<TAB>[ratings]" per line). NotFound when
  // the file cannot be opened; DataLoss naming file:line when a line is malformed.
  static Result<VaderLexicon> Load(const std::filesystem::path& path);

  // The compound score in [-1, 1] of `utf8` (well-formed UTF-8); 0 when nothing scores.
  // Thread-safe (read-only).
  double Compound(std::string_view utf8) const;

  size_t size() const { return valence_.size(); }
  // The lexicon valence of a lower-case token, or nullptr.
  const double* Find(std::string_view token) const;

 private:
  ValenceTable valence_;
};

}  // namespace sphere::features::text
