#include "features/text/vader.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <fstream>
#include <initializer_list>
#include <unordered_set>
#include <vector>

namespace sphere::features::text {
namespace {

// Empirically derived constants of the paper.
constexpr double kBoosterIncrement = 0.293;
constexpr double kBoosterDecrement = -0.293;
constexpr double kCapsIncrement = 0.733;
constexpr double kNegationScalar = -0.74;
constexpr double kNormalisationAlpha = 15.0;

constexpr std::string_view kNegations[] = {
    "aint",   "arent",    "cannot",  "cant",     "couldnt",  "darent",   "didnt",   "doesnt",
    "ain't",  "aren't",   "can't",   "couldn't", "daren't",  "didn't",   "doesn't", "dont",
    "hadnt",  "hasnt",    "havent",  "isnt",     "mightnt",  "mustnt",   "neither", "don't",
    "hadn't", "hasn't",   "haven't", "isn't",    "mightn't", "mustn't",  "neednt",  "needn't",
    "never",  "none",     "nope",    "nor",      "not",      "nothing",  "nowhere", "oughtnt",
    "shant",  "shouldnt", "uhuh",    "wasnt",    "werent",   "oughtn't", "shan't",  "shouldn't",
    "uh-uh",  "wasn't",   "weren't", "without",  "wont",     "wouldnt",  "won't",   "wouldn't",
    "rarely", "seldom",   "despite"};

struct Booster {
  std::string_view word;
  double scalar;
};
constexpr Booster kBoosters[] = {
    {"absolutely", kBoosterIncrement},   {"amazingly", kBoosterIncrement},
    {"awfully", kBoosterIncrement},      {"completely", kBoosterIncrement},
    {"considerably", kBoosterIncrement}, {"decidedly", kBoosterIncrement},
    {"deeply", kBoosterIncrement},       {"effing", kBoosterIncrement},
    {"enormously", kBoosterIncrement},   {"entirely", kBoosterIncrement},
    {"especially", kBoosterIncrement},   {"exceptionally", kBoosterIncrement},
    {"extremely", kBoosterIncrement},    {"fabulously", kBoosterIncrement},
    {"flipping", kBoosterIncrement},     {"flippin", kBoosterIncrement},
    {"fricking", kBoosterIncrement},     {"frickin", kBoosterIncrement},
    {"frigging", kBoosterIncrement},     {"friggin", kBoosterIncrement},
    {"fully", kBoosterIncrement},        {"fucking", kBoosterIncrement},
    {"greatly", kBoosterIncrement},      {"hella", kBoosterIncrement},
    {"highly", kBoosterIncrement},       {"hugely", kBoosterIncrement},
    {"incredibly", kBoosterIncrement},   {"intensely", kBoosterIncrement},
    {"majorly", kBoosterIncrement},      {"more", kBoosterIncrement},
    {"most", kBoosterIncrement},         {"particularly", kBoosterIncrement},
    {"purely", kBoosterIncrement},       {"quite", kBoosterIncrement},
    {"really", kBoosterIncrement},       {"remarkably", kBoosterIncrement},
    {"so", kBoosterIncrement},           {"substantially", kBoosterIncrement},
    {"thoroughly", kBoosterIncrement},   {"totally", kBoosterIncrement},
    {"tremendously", kBoosterIncrement}, {"uber", kBoosterIncrement},
    {"unbelievably", kBoosterIncrement}, {"unusually", kBoosterIncrement},
    {"utterly", kBoosterIncrement},      {"very", kBoosterIncrement},
    {"almost", kBoosterDecrement},       {"barely", kBoosterDecrement},
    {"hardly", kBoosterDecrement},       {"just enough", kBoosterDecrement},
    {"kind of", kBoosterDecrement},      {"kinda", kBoosterDecrement},
    {"kindof", kBoosterDecrement},       {"kind-of", kBoosterDecrement},
    {"less", kBoosterDecrement},         {"little", kBoosterDecrement},
    {"marginally", kBoosterDecrement},   {"occasionally", kBoosterDecrement},
    {"partly", kBoosterDecrement},       {"scarcely", kBoosterDecrement},
    {"slightly", kBoosterDecrement},     {"somewhat", kBoosterDecrement},
    {"sort of", kBoosterDecrement},      {"sorta", kBoosterDecrement},
    {"sortof", kBoosterDecrement},       {"sort-of", kBoosterDecrement}};

struct Idiom {
  std::string_view phrase;
  double valence;
};
constexpr Idiom kIdioms[] = {{"the shit", 3},      {"the bomb", 3},        {"bad ass", 1.5},
                             {"yeah right", -2},   {"cut the mustard", 2}, {"kiss of death", -1.5},
                             {"hand to mouth", -2}};

// The punctuation tokens that may lead or trail a word and be stripped from it.
constexpr std::string_view kStrippablePunctuation[] = {".",   "!",   "?",   ",",    ";",   ":",
                                                       "-",   "'",   "\"",  "!!",   "!!!", "??",
                                                       "???", "?!?", "!?!", "?!?!", "!?!?"};

bool IsAsciiPunct(char c) {
  return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') ||
         (c >= '{' && c <= '~');
}
// The byte length of the white space at text[i] (0 when none): what JavaScript's \s matches,
// since the reference splits on it.
size_t SpaceAt(std::string_view text, size_t i) {
  const auto b = static_cast<unsigned char>(text[i]);
  if (b == ' ' || (b >= '\t' && b <= '\r')) return 1;
  if (b < 0xC2 || i + 1 >= text.size()) return 0;
  const auto b1 = static_cast<unsigned char>(text[i + 1]);
  if (b == 0xC2) return b1 == 0xA0 ? 2 : 0;  // U+00A0
  if (i + 2 >= text.size()) return 0;
  const char32_t c =
      ((b & 0x0F) << 12) | ((b1 & 0x3F) << 6) | (static_cast<unsigned char>(text[i + 2]) & 0x3F);
  if ((b & 0xF0) != 0xE0) return 0;
  const bool space = c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
                     c == 0x202F || c == 0x205F || c == 0x3000 || c == 0xFEFF;
  return space ? 3 : 0;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + ('a' - 'A'));
  }
  return out;
}

// Python's str.isupper on ASCII: at least one upper-case letter and no lower-case one.
bool IsUpper(std::string_view w) {
  bool upper = false;
  for (char c : w) {
    if (c >= 'a' && c <= 'z') return false;
    upper = upper || (c >= 'A' && c <= 'Z');
  }
  return upper;
}

// Length in UTF-16 code units, the unit the reference implementation filters tokens by.
size_t Utf16Length(std::string_view w) {
  size_t n = 0;
  for (char ch : w) {
    const auto b = static_cast<unsigned char>(ch);
    if ((b & 0xC0) != 0x80) n += b >= 0xF0 ? 2 : 1;
  }
  return n;
}

// Hash sets: these run for every word and its three predecessors.
const Booster* FindBooster(std::string_view lower) {
  static const std::unordered_map<std::string_view, const Booster*> kByWord = [] {
    std::unordered_map<std::string_view, const Booster*> m;
    for (const Booster& b : kBoosters) m.emplace(b.word, &b);
    return m;
  }();
  auto it = kByWord.find(lower);
  return it == kByWord.end() ? nullptr : it->second;
}

bool IsNegation(std::string_view w) {
  static const std::unordered_set<std::string_view> kSet(std::begin(kNegations),
                                                         std::end(kNegations));
  return kSet.contains(w) || w.find("n't") != std::string_view::npos;
}

bool IsStrippable(std::string_view punct) {
  return std::find(std::begin(kStrippablePunctuation), std::end(kStrippablePunctuation), punct) !=
         std::end(kStrippablePunctuation);
}

// Whitespace-separated tokens longer than one character, with a leading or trailing run of
// punctuation removed when that run is one of kStrippablePunctuation and the rest is a word
// without punctuation ("good." -> "good"; ":)" and "don't" stay as they are).
std::vector<std::string_view> WordsAndEmoticons(std::string_view text) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size()) {
      const size_t space = SpaceAt(text, i);
      if (space == 0) break;
      i += space;
    }
    size_t end = i;
    while (end < text.size() && SpaceAt(text, end) == 0) ++end;
    std::string_view token = text.substr(i, end - i);
    i = end;
    if (Utf16Length(token) <= 1) continue;
    size_t lead = 0;
    while (lead < token.size() && IsAsciiPunct(token[lead])) ++lead;
    size_t trail = 0;
    while (trail < token.size() - lead && IsAsciiPunct(token[token.size() - 1 - trail])) ++trail;
    std::string_view core = token.substr(lead, token.size() - lead - trail);
    const bool core_clean = std::none_of(core.begin(), core.end(), IsAsciiPunct);
    if (core_clean && Utf16Length(core) > 1) {
      if (lead > 0 && trail == 0 && IsStrippable(token.substr(0, lead))) token = core;
      if (trail > 0 && lead == 0 && IsStrippable(token.substr(token.size() - trail))) token = core;
    }
    out.push_back(token);
  }
  return out;
}

double Normalise(double score) {
  const double n = score / std::sqrt(score * score + kNormalisationAlpha);
  return std::clamp(n, -1.0, 1.0);
}

class Scorer {
 public:
  Scorer(const VaderLexicon& lexicon, std::vector<std::string_view> words)
      : words_(std::move(words)) {
    lower_.reserve(words_.size());
    lexicon_valence_.reserve(words_.size());
    booster_.reserve(words_.size());
    int caps = 0;
    // Each word is looked up once; the rules below consult its neighbours many times.
    for (std::string_view w : words_) {
      lower_.push_back(Lower(w));
      lexicon_valence_.push_back(lexicon.Find(lower_.back()));
      booster_.push_back(FindBooster(lower_.back()));
      caps += IsUpper(w);
    }
    // Capitals emphasise only when some, not all, words are in capitals.
    const int rest = static_cast<int>(words_.size()) - caps;
    cap_differential_ = rest > 0 && rest < static_cast<int>(words_.size());
  }

  std::vector<double> Sentiments() const {
    std::vector<double> out;
    out.reserve(words_.size());
    for (size_t i = 0; i < words_.size(); ++i) {
      const bool kind_of = i + 1 < words_.size() && lower_[i] == "kind" && lower_[i + 1] == "of";
      if (kind_of || booster_[i] != nullptr) {
        out.push_back(0);
        continue;
      }
      out.push_back(Valence(i));
    }
    ButCheck(&out);
    return out;
  }

 private:
  bool InLexicon(size_t i) const { return lexicon_valence_[i] != nullptr; }

  // A booster's contribution to the word it precedes.
  double ScalarIncDec(size_t j, double valence) const {
    const Booster* b = booster_[j];
    if (b == nullptr) return 0;
    double scalar = valence < 0 ? -b->scalar : b->scalar;
    if (cap_differential_ && IsUpper(words_[j]))
      scalar += valence > 0 ? kCapsIncrement : -kCapsIncrement;
    return scalar;
  }

  double Valence(size_t i) const {
    const double* base = lexicon_valence_[i];
    if (base == nullptr) return 0;
    double valence = *base;
    if (IsUpper(words_[i]) && cap_differential_)
      valence += valence > 0 ? kCapsIncrement : -kCapsIncrement;
    for (size_t start = 0; start < 3; ++start) {
      if (i <= start || InLexicon(i - (start + 1))) continue;
      // Boosters further from the word count less.
      double s = ScalarIncDec(i - (start + 1), valence);
      if (start == 1 && s != 0) s *= 0.95;
      if (start == 2 && s != 0) s *= 0.9;
      valence += s;
      valence = NeverCheck(valence, start, i);
      if (start == 2) valence = IdiomsCheck(valence, i);
    }
    return LeastCheck(valence, i);
  }

  double NeverCheck(double valence, size_t start, size_t i) const {
    auto w = [&](size_t back) { return words_[i - back]; };
    if (start == 0) {
      if (IsNegation(w(1))) valence *= kNegationScalar;
    } else if (start == 1) {
      if (w(2) == "never" && (w(1) == "so" || w(1) == "this")) {
        valence *= 1.5;
      } else if (IsNegation(w(2))) {
        valence *= kNegationScalar;
      }
    } else {
      if ((w(3) == "never" && (w(2) == "so" || w(2) == "this")) || w(1) == "so" || w(1) == "this") {
        valence *= 1.25;
      } else if (IsNegation(w(3))) {
        valence *= kNegationScalar;
      }
    }
    return valence;
  }

  // Only called with i >= 3. Phrases are compared piecewise: no string is built per word.
  double IdiomsCheck(double valence, size_t i) const {
    auto idiom = [&](std::initializer_list<std::string_view> parts) -> const Idiom* {
      for (const Idiom& idiom : kIdioms) {
        if (IsPhrase(idiom.phrase, parts)) return &idiom;
      }
      return nullptr;
    };
    const std::string_view w0 = words_[i], w1 = words_[i - 1], w2 = words_[i - 2],
                           w3 = words_[i - 3];
    for (const Idiom* found : {idiom({w1, w0}), idiom({w2, w1, w0}), idiom({w2, w1}),
                               idiom({w3, w2, w1}), idiom({w3, w2})}) {
      if (found != nullptr) {
        valence = found->valence;
        break;
      }
    }
    if (i + 1 < words_.size()) {
      if (const Idiom* found = idiom({w0, words_[i + 1]})) valence = found->valence;
    }
    if (i + 2 < words_.size()) {
      if (const Idiom* found = idiom({w0, words_[i + 1], words_[i + 2]})) valence = found->valence;
    }
    // Two-word dampeners ("sort of", "kind of") right before the word.
    for (const Booster& b : kBoosters) {
      if (IsPhrase(b.word, {w3, w2}) || IsPhrase(b.word, {w2, w1})) {
        valence += kBoosterDecrement;
        break;
      }
    }
    return valence;
  }

  // Whether `phrase` is `parts` joined by single spaces.
  static bool IsPhrase(std::string_view phrase, std::initializer_list<std::string_view> parts) {
    bool first = true;
    for (std::string_view part : parts) {
      if (!first) {
        if (!phrase.starts_with(' ')) return false;
        phrase.remove_prefix(1);
      }
      first = false;
      if (!phrase.starts_with(part)) return false;
      phrase.remove_prefix(part.size());
    }
    return phrase.empty();
  }

  double LeastCheck(double valence, size_t i) const {
    if (i > 1 && lower_[i - 1] == "least" && !InLexicon(i - 1)) {
      if (lower_[i - 2] != "at" && lower_[i - 2] != "very") valence *= kNegationScalar;
    } else if (i > 0 && lower_[i - 1] == "least" && !InLexicon(i - 1)) {
      valence *= kNegationScalar;
    }
    return valence;
  }

  // "but" shifts the weight to what follows it: halves before, 1.5x after.
  void ButCheck(std::vector<double>* sentiments) const {
    auto it = std::find(words_.begin(), words_.end(), "but");
    if (it == words_.end()) it = std::find(words_.begin(), words_.end(), "BUT");
    if (it == words_.end()) return;
    const size_t but = static_cast<size_t>(it - words_.begin());
    for (size_t k = 0; k < sentiments->size(); ++k) {
      if (k < but) (*sentiments)[k] *= 0.5;
      if (k > but) (*sentiments)[k] *= 1.5;
    }
  }

  std::vector<std::string_view> words_;
  std::vector<std::string> lower_;
  std::vector<const double*> lexicon_valence_;  // null: not in the lexicon
  std::vector<const Booster*> booster_;         // null: not a booster
  bool cap_differential_ = false;
};

// Emphasis from exclamation marks (up to 4) and from two or more question marks.
double PunctuationAmplifier(std::string_view text) {
  const auto exclamations = std::min<int64_t>(std::count(text.begin(), text.end(), '!'), 4);
  const auto questions = std::count(text.begin(), text.end(), '?');
  double amplifier = static_cast<double>(exclamations) * 0.292;
  if (questions > 1) amplifier += questions <= 3 ? static_cast<double>(questions) * 0.18 : 0.96;
  return amplifier;
}

}  // namespace

Result<VaderLexicon> VaderLexicon::Load(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot open " + path.string() + "; run scripts/fetch_assets.sh");
  VaderLexicon lexicon;
  std::string line;
  int64_t line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const size_t tab = line.find('\t');
    const size_t tab2 = tab == std::string::npos ? tab : line.find('\t', tab + 1);
    double valence = 0;
    const char* first = tab == std::string::npos ? nullptr : line.data() + tab + 1;
    const char* last = line.data() + (tab2 == std::string::npos ? line.size() : tab2);
    auto [ptr, ec] = first == nullptr ? std::from_chars_result{nullptr, std::errc::invalid_argument}
                                      : std::from_chars(first, last, valence);
    if (tab == 0 || tab == std::string::npos || ec != std::errc() || ptr != last ||
        !std::isfinite(valence)) {
      return DataLoss(path.string() + ":" + std::to_string(line_number) +
                      ": expected \"token<TAB>mean valence<TAB>...\"");
    }
    lexicon.valence_.insert_or_assign(line.substr(0, tab), valence);
  }
  if (in.bad()) return DataLoss("cannot read " + path.string());
  if (lexicon.valence_.empty()) return DataLoss(path.string() + ": no lexicon entries");
  return lexicon;
}

const double* VaderLexicon::Find(std::string_view token) const {
  auto it = valence_.find(token);
  return it == valence_.end() ? nullptr : &it->second;
}

double VaderLexicon::Compound(std::string_view utf8) const {
  Scorer scorer(*this, WordsAndEmoticons(utf8));
  const std::vector<double> sentiments = scorer.Sentiments();
  double sum = 0;
  for (double s : sentiments) sum += s;
  const double amplifier = PunctuationAmplifier(utf8);
  if (sum > 0) sum += amplifier;
  if (sum < 0) sum -= amplifier;
  return Normalise(sum);
}

}  // namespace sphere::features::text
