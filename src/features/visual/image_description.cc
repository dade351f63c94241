// Instagram's automatic alt text ("accessibility caption") -> VisualFeatures.
//
// The generator writes "Image may contain: <term>, <term> and <term>" (newer posts: "May be an
// image of ..."), with an optional "text that says '...'" whose quoted words must not be read as
// terms. The vocabulary below comes from counting the terms of the Kim posts (see
// docs/features-visual.md for the counts and the coverage).
#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

#include "features/visual/visual_features.h"

namespace sphere::features {
namespace {

using VF = VisualFeatures;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && (std::isspace(static_cast<unsigned char>(s.back())) || s.back() == '.')) {
    s.remove_suffix(1);
  }
  return s;
}

constexpr std::string_view kNumberWords[] = {"zero", "one",   "two",   "three", "four", "five",
                                             "six",  "seven", "eight", "nine",  "ten"};

// "3 people", "1 person", "one person", "one or more people" -> the count; nullopt otherwise.
std::optional<double> PeopleCount(std::string_view term) {
  if (term == "one or more people") return 1.0;
  const size_t space = term.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  const std::string_view noun = term.substr(space + 1);
  if (noun != "people" && noun != "person") return std::nullopt;
  const std::string_view number = term.substr(0, space);
  if (!number.empty() && number.size() <= 4 &&
      std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::stod(std::string(number));
  }
  for (size_t i = 0; i < std::size(kNumberWords); ++i) {
    if (number == kNumberWords[i]) return static_cast<double>(i);
  }
  return std::nullopt;
}

// Splits "a, b and c" into terms; "text that says '...'" becomes "text" (its quote may hold
// commas and "and").
std::vector<std::string_view> SplitTerms(std::string_view list) {
  std::vector<std::string_view> terms;
  if (size_t says = list.find("text that says"); says != std::string_view::npos) {
    list = list.substr(0, says + 4);
  }
  while (!list.empty()) {
    size_t comma = list.find(',');
    size_t and_pos = list.find(" and ");
    size_t cut = std::min(comma, and_pos);
    std::string_view term = Trim(list.substr(0, cut));
    if (!term.empty()) terms.push_back(term);
    if (cut == std::string_view::npos) break;
    list.remove_prefix(cut + (cut == comma ? 1 : 5));
  }
  return terms;
}

bool ContainsWord(std::string_view text, std::string_view word) {
  for (size_t at = text.find(word); at != std::string_view::npos; at = text.find(word, at + 1)) {
    const bool start_ok = at == 0 || !std::isalnum(static_cast<unsigned char>(text[at - 1]));
    const size_t end = at + word.size();
    const bool end_ok = end == text.size() || !std::isalnum(static_cast<unsigned char>(text[end]));
    if (start_ok && end_ok) return true;
  }
  return false;
}

}  // namespace

const std::vector<SceneFlag>& SceneFlags() {
  static const std::vector<SceneFlag> flags = {
      {"visual.outdoor", &VF::outdoor, {"outdoor"}},
      {"visual.indoor", &VF::indoor, {"indoor"}},
      {"visual.nature",
       &VF::nature,
       {"nature", "tree", "plant", "flower", "grass", "mountain", "snow"}},
      {"visual.sky", &VF::sky, {"sky", "cloud", "twilight"}},
      {"visual.water", &VF::water, {"water", "ocean", "beach", "pool", "swimming"}},
      {"visual.food",
       &VF::food,
       {"food", "dessert", "fruit", "pizza", "icecream", "eating", "people eating"}},
      {"visual.drink", &VF::drink, {"drink", "coffee cup", "coffee"}},
      {"visual.animal", &VF::animal, {"dog", "cat", "horse", "bird", "people riding on horses"}},
      {"visual.child", &VF::child, {"child", "baby"}},
      {"visual.closeup", &VF::closeup, {"closeup"}},
      {"visual.selfie", &VF::selfie, {"selfie"}},
      {"visual.standing", &VF::standing, {"standing", "people standing"}},
      {"visual.sitting", &VF::sitting, {"sitting", "people sitting"}},
      {"visual.fashion",
       &VF::fashion,
       {"shoes", "sunglasses", "hat", "eyeglasses", "shorts", "suit", "ring", "jewelry", "boots",
        "makeup", "stripes"}},
      {"visual.sport",
       &VF::sport,
       {"people playing sports", "playing a sport", "basketball court", "stadium", "baseball",
        "football", "bicycle"}},
      {"visual.night", &VF::night, {"night"}},
      {"visual.urban", &VF::urban, {"skyscraper", "bridge", "house", "road", "car", "motorcycle"}},
      {"visual.event",
       &VF::event,
       {"wedding", "on stage", "people on stage", "concert", "crowd", "christmas tree", "fireworks",
        "people dancing", "dancing", "candles"}},
      {"visual.home", &VF::home, {"table", "living room", "bedroom", "kitchen"}},
      {"visual.device", &VF::device, {"phone", "screen", "laptop", "camera"}},
  };
  return flags;
}

VisualFeatures FromImageDescription(std::string_view description) {
  VisualFeatures f;
  f.source = VisualSource::kImageDescription;
  const std::string text = Lower(Trim(description));
  if (text.empty() || text.starts_with("no photo description available")) return f;

  // The list follows "image may contain:" or "may be an image of" (or "... a closeup of").
  size_t list_start = std::string::npos;
  if (size_t at = text.find("image may contain:"); at != std::string::npos) {
    list_start = at + 18;
  } else {
    // "May be an image of ...", alone or after "Photo by NAME on DATE. "
    size_t may = text.starts_with("may be ") ? 0 : text.find(". may be ");
    if (may != std::string::npos) {
      size_t of = text.find(" of ", may);
      if (of != std::string::npos) list_start = of + 4;
    }
  }

  if (list_start == std::string::npos) {
    // Free text a person wrote: names can be read, but an absent word tells nothing.
    for (const SceneFlag& flag : SceneFlags()) {
      for (std::string_view term : flag.terms) {
        if (ContainsWord(text, term)) f.*flag.member = true;
      }
    }
    if (ContainsWord(text, "smiling")) f.smiling = true;
    return f;
  }

  // A generated list: it names what the classifier saw, so an absent term is a "no".
  f.people = 0.0;
  f.smiling = false;
  f.text = false;
  for (const SceneFlag& flag : SceneFlags()) f.*flag.member = false;
  bool someone_doing_something = false;
  for (std::string_view term : SplitTerms(std::string_view(text).substr(list_start))) {
    if (term.starts_with("an image of ")) term.remove_prefix(12);
    if (term.starts_with("image of ")) term.remove_prefix(9);
    if (std::optional<double> n = PeopleCount(term)) {
      f.people = std::max(*f.people, *n);
      continue;
    }
    if (term == "text") {
      f.text = true;
      continue;
    }
    if (term == "smiling" || term == "people smiling") f.smiling = true;
    if (term.starts_with("people ")) someone_doing_something = true;
    for (const SceneFlag& flag : SceneFlags()) {
      if (std::find(flag.terms.begin(), flag.terms.end(), term) != flag.terms.end()) {
        f.*flag.member = true;
      }
    }
  }
  // "people sitting, tree" names people without a count: at least one.
  if (someone_doing_something && *f.people == 0) f.people = 1.0;
  return f;
}

}  // namespace sphere::features
